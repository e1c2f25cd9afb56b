#include "diff/diff_format.hpp"

#include <doctest/doctest.h>
#include <string>
#include <utility>
#include <vector>

using namespace reprise;

namespace {

// A diff of `entries`, with the per-section counts they imply.
DiffResult diff_of(std::vector<DiffEntry> entries, std::size_t ignored = 0) {
  DiffResult diff;
  for (const DiffEntry& entry : entries) {
    ++diff.per_section[static_cast<std::size_t>(entry.section)];
  }
  diff.entries = std::move(entries);
  diff.ignored = ignored;
  return diff;
}

DiffEntry value(Section section, ChangeKind change, std::string pointer, std::string_view before,
                std::string_view after) {
  DiffEntry entry;
  entry.section = section;
  entry.change = change;
  entry.pointer = std::move(pointer);
  entry.before = before;
  entry.after = after;
  return entry;
}

std::string text(const DiffResult& diff, Color color = Color::off) {
  StringSink sink;
  write_diff_text(diff, color, sink);
  return sink.str();
}

OrderedJson diff_json(const DiffResult& diff) {
  StringSink sink;
  write_diff_json(diff, "a.json", "b.json", sink);
  REQUIRE(sink.str().ends_with("\n"));
  return OrderedJson::parse(sink.str());
}

std::string divergence_text(const std::optional<Divergence>& divergence) {
  StringSink sink;
  write_divergence_text(divergence, Color::off, sink);
  return sink.str();
}

OrderedJson divergence_json(const std::optional<Divergence>& divergence) {
  StringSink sink;
  write_divergence_json(divergence, sink);
  return OrderedJson::parse(sink.str());
}

} // namespace

TEST_CASE("diff_format") {
  SUBCASE("no differences: one line of text, an empty JSON summary") {
    const DiffResult none{};
    CHECK(text(none) == "no differences\n");
    const OrderedJson out = diff_json(none);
    CHECK(out["a"] == "a.json");
    CHECK(out["b"] == "b.json");
    CHECK(out["different"] == false);
    CHECK(out["differences"] == 0);
    CHECK(out["changes"].empty());
    CHECK(out["sections"]["status"] == 0);
    CHECK(out["sections"].size() == k_section_count);
  }

  SUBCASE("values: one heading per section, + - ~ lines, minified excerpts, a summary") {
    const DiffResult diff = diff_of({
        value(Section::status, ChangeKind::changed, "/status", R"("running")", R"("failed")"),
        value(Section::config, ChangeKind::added, "/config/x", "", R"({ "a": [1, 2] })"),
        value(Section::status, ChangeKind::removed, "/latest_error", R"("boom")", ""),
    });
    CHECK(text(diff) == "status and task\n"
                        "  ~ /status: \"running\" → \"failed\"\n"
                        "  - /latest_error: \"boom\"\n"
                        "config\n"
                        "  + /config/x: {\"a\":[1,2]}\n"
                        "3 differences (status and task 2, config 1)\n");
  }

  SUBCASE("a long value is cut at 60 characters; ignored differences are counted") {
    const std::string long_value = "\"" + std::string(80, 'x') + "\"";
    const DiffResult diff =
        diff_of({value(Section::other, ChangeKind::added, "/extra", "", long_value)}, 1);
    const std::string expected = "other\n  + /extra: \"" + std::string(59, 'x') + "…\n" +
                                 "1 difference (other 1); 1 volatile or ignored difference not "
                                 "shown\n";
    CHECK(text(diff) == expected);
    CHECK(text(diff_of({}, 2)) == "no differences; 2 volatile or ignored differences not shown\n");
  }

  SUBCASE("messages: role, excerpts, the changed fields when the text is the same") {
    DiffEntry edited;
    edited.section = Section::transcript;
    edited.kind = EntryKind::message;
    edited.pointer = "/transcript/messages/1";
    edited.label = "assistant";
    edited.excerpt_a = "old";
    edited.excerpt_b = "new";
    DiffEntry same_text = edited;
    same_text.pointer = "/transcript/messages/2";
    same_text.label = "";
    same_text.excerpt_a = "same";
    same_text.excerpt_b = "same";
    same_text.fields = {"/a", "", "/c", "/d", "/e", "/f"};
    DiffEntry added = edited;
    added.change = ChangeKind::added;
    added.pointer = "/transcript/messages/3";
    added.excerpt_b = "line \"quoted\"";
    CHECK(text(diff_of({edited, same_text, added})) ==
          "transcript\n"
          "  ~ /transcript/messages/1  assistant: \"old\" → \"new\"\n"
          "  ~ /transcript/messages/2  (no role): \"same\" (changed: /a, (whole), /c, /d and 2 "
          "more)\n"
          "  + /transcript/messages/3  assistant: \"line \\\"quoted\\\"\"\n"
          "3 differences (transcript 3)\n");
  }

  SUBCASE("artifacts and events: id, label, title, a move shown as (now N)") {
    DiffEntry moved;
    moved.section = Section::artifacts;
    moved.kind = EntryKind::artifact;
    moved.pointer = "/artifacts/0";
    moved.index_a = 0;
    moved.index_b = 2;
    moved.id = "a1";
    moved.label = "plan";
    moved.title = "The plan";
    moved.fields = {"/text"};
    DiffEntry removed = moved;
    removed.change = ChangeKind::removed;
    removed.pointer = "/artifacts/1";
    removed.index_b.reset();
    removed.title.clear();
    DiffEntry event;
    event.section = Section::transcript;
    event.kind = EntryKind::event;
    event.change = ChangeKind::removed;
    event.pointer = "/transcript/events/4";
    event.id = "e4";
    event.label = "message/user";
    event.excerpt_a = "hi";
    CHECK(text(diff_of({moved, removed, event})) ==
          "artifacts\n"
          "  ~ /artifacts/0 (now 2)  a1  plan  \"The plan\"  (changed: /text)\n"
          "  - /artifacts/1  a1  plan\n"
          "transcript\n"
          "  - /transcript/events/4  e4  message/user: \"hi\"\n"
          "3 differences (artifacts 2, transcript 1)\n");
  }

  SUBCASE("colour only when asked for") {
    const DiffResult diff = diff_of({value(Section::status, ChangeKind::added, "/task", "", "1")});
    CHECK(text(diff, Color::off).find('\x1b') == std::string::npos);
    const std::string coloured = text(diff, Color::on);
    CHECK(coloured.find("\x1b[") != std::string::npos);
    CHECK(coloured.find("/task: 1") != std::string::npos);
  }

  SUBCASE("JSON: every difference with its kind, change and what applies to it") {
    DiffEntry artifact;
    artifact.section = Section::artifacts;
    artifact.kind = EntryKind::artifact;
    artifact.pointer = "/artifacts/0";
    artifact.index_a = 0;
    artifact.index_b = 1;
    artifact.id = "a1";
    artifact.label = "plan";
    artifact.fields = {"/text"};
    artifact.before = "{}";
    artifact.after = "{}";
    const DiffResult diff = diff_of(
        {value(Section::status, ChangeKind::changed, "/status", R"("running")", R"("failed")"),
         value(Section::other, ChangeKind::removed, "/gone", "[1]", ""), artifact},
        4);
    const OrderedJson out = diff_json(diff);
    CHECK(out["different"] == true);
    CHECK(out["differences"] == 3);
    CHECK(out["ignored"] == 4);
    CHECK(out["sections"]["status"] == 1);
    CHECK(out["sections"]["artifacts"] == 1);
    CHECK(out["sections"]["other"] == 1);
    const OrderedJson& changes = out["changes"];
    REQUIRE(changes.size() == 3);
    CHECK(changes[0] == OrderedJson::parse(R"({"section": "status", "kind": "value",
        "change": "changed", "pointer": "/status", "before": "running", "after": "failed"})"));
    CHECK(changes[1]["before"] == OrderedJson::parse("[1]"));
    CHECK_FALSE(changes[1].contains("after"));
    CHECK(changes[2] == OrderedJson::parse(R"({"section": "artifacts", "kind": "artifact",
        "change": "changed", "pointer": "/artifacts/0", "index_a": 0, "index_b": 1, "id": "a1",
        "label": "plan", "fields": ["/text"]})"));
  }

  SUBCASE("divergence as text: where, then each side's role and indented lines") {
    CHECK(divergence_text(std::nullopt) == "the transcripts do not diverge\n");
    Divergence divergence;
    divergence.index = 3;
    divergence.a = MessageSide{"assistant", R"("one\ntwo")", "one\ntwo"};
    CHECK(divergence_text(divergence) == "first divergence at /transcript/messages/3\n"
                                         "A (assistant):\n"
                                         "  one\n"
                                         "  two\n"
                                         "B: (no message)\n");
    // No text: the content, minified.
    divergence.b = MessageSide{"", R"([ {"type": "image"} ])", ""};
    CHECK(divergence_text(divergence).ends_with("B (no role):\n  [{\"type\":\"image\"}]\n"));
  }

  SUBCASE("divergence as JSON") {
    CHECK(divergence_json(std::nullopt) == OrderedJson::parse(R"({"diverges": false})"));
    Divergence divergence;
    divergence.index = 1;
    divergence.b = MessageSide{"user", R"("hi")", "hi"};
    CHECK(divergence_json(divergence) == OrderedJson::parse(R"({"diverges": true, "index": 1,
        "pointer": "/transcript/messages/1", "a": null,
        "b": {"role": "user", "content": "hi", "text": "hi"}})"));
  }
}
