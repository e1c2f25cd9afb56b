#include "reset/transcript.hpp"

#include <doctest/doctest.h>

using namespace reprise;

namespace {

OrderedJson message(const std::string& role, const std::string& content) {
  return OrderedJson{{"role", role}, {"content", content}};
}

OrderedJson transcript_with(const OrderedJson& messages) {
  OrderedJson transcript = OrderedJson::object();
  transcript["_type"] = "transcript";
  transcript["version"] = 2;
  transcript["id"] = "t-1";
  transcript["messages"] = messages;
  OrderedJson events = OrderedJson::array();
  for (std::size_t i = 0; i < messages.size(); ++i) {
    events.push_back({{"id", "e" + std::to_string(i)}, {"kind", "message"}});
  }
  events.push_back({{"id", "reminder"}, {"kind", "reminder"}});
  transcript["events"] = events;
  transcript["assets"] = OrderedJson::array();
  return transcript;
}

} // namespace

TEST_CASE("transcript") {
  IdSource ids(1777485641000, 7);

  SUBCASE("fork: new bare UUIDv7 id, parent id merged into metadata in key order") {
    const std::string bytes =
        R"({"_type": "transcript", "id": "old-id", "messages": [], "metadata": {"b": 1, "z": 2}})";
    const ForkedTranscript fork = fork_transcript(bytes, ids);
    REQUIRE(fork.forked);
    CHECK(fork.new_id.size() == 36);
    CHECK(fork.new_id[14] == '7');
    CHECK(uuid7_millis(fork.new_id) == 1777485641000);
    const OrderedJson out = fork.transcript.to_json();
    CHECK(out["id"] == fork.new_id);
    CHECK(out["metadata"].dump() == R"({"b":1,"parent_transcript_id":"old-id","z":2})");
    CHECK(out["messages"] == OrderedJson::array());
  }

  SUBCASE("fork: parent id is the VM display of the old id; none for missing or empty") {
    auto parent = [&](const std::string& bytes) { return fork_transcript(bytes, ids).parent_id; };
    CHECK(parent(R"({"id": 5})") == "5");
    CHECK(parent(R"({"id": null})") == "nil");
    CHECK(parent(R"({"id": true})") == "true");
    CHECK_FALSE(parent(R"({"id": ""})").has_value());
    CHECK_FALSE(parent(R"({"messages": []})").has_value());
    const ForkedTranscript no_id = fork_transcript(R"({"metadata": "x"})", ids);
    CHECK(no_id.transcript.to_json()["metadata"] == "x"); // untouched without a parent id
    const ForkedTranscript replaced = fork_transcript(R"({"id": "a", "metadata": [1]})", ids);
    CHECK(replaced.transcript.to_json()["metadata"].dump() == R"({"parent_transcript_id":"a"})");
  }

  SUBCASE("fork: a transcript that is not an object passes through") {
    const ForkedTranscript fork = fork_transcript("null", ids);
    CHECK_FALSE(fork.forked);
    CHECK(fork.transcript.dump() == "null");
  }

  SUBCASE("compaction: two messages or fewer, or no messages key, change nothing") {
    const std::string two =
        transcript_with({message("user", "a"), message("assistant", "b")}).dump();
    auto result = compact_transcript(two, ids);
    REQUIRE(result);
    CHECK_FALSE(result->compacted);
    CHECK(result->transcript.dump() == two);
    auto none = compact_transcript(R"({"id": "x"})", ids);
    REQUIRE(none);
    CHECK_FALSE(none->compacted);
    auto not_dict = compact_transcript("[1, 2, 3]", ids);
    REQUIRE(not_dict);
    CHECK_FALSE(not_dict->compacted);
  }

  SUBCASE("compaction: messages that are not a list fail the cycle") {
    auto result = compact_transcript(R"({"messages": null})", ids);
    REQUIRE_FALSE(result);
    CHECK(result.error().message == "Thrown: transcript.messages must be a list");
    CHECK(result.error().code == ErrorCode::failed);
  }

  SUBCASE("compaction: split moves back to a user message, summary replaces the older ones") {
    const OrderedJson messages = {message("user", "one"), message("assistant", "two"),
                                  message("user", "three"), message("assistant", "four"),
                                  message("assistant", "five")};
    const std::string bytes = transcript_with(messages).dump();
    auto result = compact_transcript(bytes, ids);
    REQUIRE(result);
    REQUIRE(result->compacted);
    // len 5 → split 3 (assistant) → back to 2 (user): archive the first two.
    CHECK(result->archived == 2);
    CHECK(result->summary ==
          "[auto-compacted 2 older messages via truncate strategy]\n[user] one\n[assistant] two");
    const OrderedJson out = result->transcript.to_json();
    REQUIRE(out["messages"].size() == 4);
    CHECK(out["messages"][0] == message("user", result->summary));
    CHECK(out["messages"][1] == message("user", "three"));
    CHECK(out["summary"] == result->summary);
    REQUIRE(out["events"].size() == 5); // four derived + the reminder after the 5 originals
    CHECK(out["events"][0]["kind"] == "message");
    CHECK(out["events"][0]["visibility"] == "public");
    CHECK(out["events"][0]["blocks"][0]["text"] == result->summary);
    CHECK(out["events"][1]["text"] == "three");
    CHECK(out["events"][4]["id"] == "reminder");
    CHECK(out["events"][0]["id"] != out["events"][1]["id"]);
    CHECK(out["_type"] == "transcript");
    CHECK(out["id"] == "t-1");
  }

  SUBCASE("compaction: no user message before the tail keeps split at len - 2") {
    const OrderedJson messages = {message("system", "s"), message("assistant", "a"),
                                  message("assistant", "b"), message("assistant", "c")};
    auto result = compact_transcript(transcript_with(messages).dump(), ids);
    REQUIRE(result);
    CHECK(result->archived == 2);
  }

  SUBCASE("compaction: a volatile message in the tail moves split to the user before it") {
    OrderedJson messages = {message("user", "u0"), message("assistant", "a1"),
                            message("user", "u2"), message("assistant", "a3"),
                            message("user", "u4"), message("assistant", "a5")};
    messages[3]["tool_calls"] = nullptr; // any value counts, even null
    // len 6 → split 4 (user); no volatile at/after 4 → archive 4.
    auto plain = compact_transcript(transcript_with(messages).dump(), ids);
    REQUIRE(plain);
    CHECK(plain->archived == 4);
    messages[5]["reasoning"] = "thinking";
    // volatile at 5 → last user before 5 is 4 → unchanged split 4.
    CHECK(compact_transcript(transcript_with(messages).dump(), ids)->archived == 4);
    messages[5].erase("reasoning");
    messages[4]["role"] = "tool";
    // split: 4 is tool → back to 2 (user); first volatile at/after 2 is 3 → last user before 3 is
    // 2.
    CHECK(compact_transcript(transcript_with(messages).dump(), ids)->archived == 2);
    messages[5]["reasoning"] = nullptr; // null reasoning is not volatile
    CHECK(compact_transcript(transcript_with(messages).dump(), ids)->archived == 2);
  }

  SUBCASE("compaction: a volatile tail whose only user is message 0 archives nothing") {
    OrderedJson messages = {message("user", "u0"), message("assistant", "a1"),
                            message("tool", "t2"), message("assistant", "a3")};
    // split 2 → back to 0 → reset to 2; volatile at 2 → last user before is 0 (not > 0) → 2.
    auto result = compact_transcript(transcript_with(messages).dump(), ids);
    REQUIRE(result);
    CHECK(result->archived == 2);
  }

  SUBCASE("summary: 500-byte cut at a character boundary, byte length, 15 lines and more") {
    OrderedJson messages = OrderedJson::array();
    const std::string long_text = std::string(499, 'x') + "é" + "tail"; // é straddles byte 500
    messages.push_back(message("user", long_text));
    messages.push_back(OrderedJson{{"role", "assistant"}, {"content", ""}}); // filtered
    messages.push_back(OrderedJson{{"role", 3}, {"content", "no"}});         // filtered
    for (int i = 0; i < 20; ++i) {
      messages.push_back(message(i % 2 == 0 ? "assistant" : "user", "m" + std::to_string(i)));
    }
    messages.push_back(message("user", "last-user"));
    messages.push_back(message("assistant", "last"));
    auto result = compact_transcript(transcript_with(messages).dump(), ids);
    REQUIRE(result);
    CHECK(result->archived == 23);
    const std::string& summary = result->summary;
    CHECK(summary.starts_with("[auto-compacted 23 older messages via truncate strategy]\n[user] " +
                              std::string(499, 'x') + "... [truncated from 505 chars]\n"));
    CHECK(summary.ends_with("\n[user] m13\n... and 8 more"));
    CHECK(std::count(summary.begin(), summary.end(), '\n') == 16);
  }

  SUBCASE("summary: header and a newline when no archived message qualifies") {
    const OrderedJson messages = {OrderedJson{{"role", "user"}}, OrderedJson{{"content", "x"}},
                                  message("user", "u"), message("assistant", "a")};
    auto result = compact_transcript(transcript_with(messages).dump(), ids);
    REQUIRE(result);
    CHECK(result->summary == "[auto-compacted 2 older messages via truncate strategy]\n");
  }

  SUBCASE("digest and summary-only transcript for a resume without the transcript") {
    CHECK(transcript_digest(R"({"summary": "  kept  ", "messages": []})") == "kept");
    CHECK(
        transcript_digest(R"({"summary": " ", "messages": [{"role": "user", "content": "hi"}]})") ==
        "[auto-compacted 1 older messages via truncate strategy]\n[user] hi");
    CHECK_FALSE(transcript_digest(R"({"messages": []})").has_value());
    CHECK_FALSE(transcript_digest("null").has_value());
    const OrderedJson only =
        summary_only_transcript(R"({"id": "t", "metadata": {"a": 1}, "messages": []})", "D", ids);
    CHECK(only["id"] == "t");
    CHECK(only["metadata"]["a"] == 1);
    CHECK(only["messages"] == OrderedJson::array({message("user", "D")}));
    CHECK(only["summary"] == "D");
    CHECK(only["events"].size() == 1);
  }
}
