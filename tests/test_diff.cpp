#include "diff/diff.hpp"

#include "json/document.hpp"
#include <doctest/doctest.h>
#include <memory>
#include <string>
#include <vector>

using reprise::ChangeKind;
using reprise::DiffOptions;
using reprise::DiffResult;
using reprise::Document;
using reprise::EntryKind;
using reprise::PatchOp;
using reprise::Section;
using reprise::Volatile;

namespace {

Document parse(std::string_view text) {
  auto document = Document::from_string(text, "test.json");
  REQUIRE(document.has_value());
  return std::move(*document);
}

// Two documents and their diff, which views their bytes (so they live together).
struct Compared {
  Document a;
  Document b;
  DiffResult result;
};

DiffResult run_into(Compared& out, const DiffOptions& options) {
  auto result = reprise::diff_documents(out.a, out.b, options);
  REQUIRE(result.has_value());
  return std::move(*result);
}

std::unique_ptr<Compared> compare(std::string_view a, std::string_view b,
                                  const DiffOptions& options = {}) {
  auto out = std::make_unique<Compared>(Compared{parse(a), parse(b), {}});
  out->result = run_into(*out, options);
  return out;
}

// A transcript of `count` messages "m0".."m<count-1>", with one inserted at `insert_at` when set.
std::string transcript(int count, int insert_at = -1) {
  std::string messages;
  for (int i = 0; i < count; ++i) {
    if (i == insert_at) {
      messages += R"({"role": "user", "content": "inserted"},)";
    }
    messages += "{\"role\": \"" + std::string(i % 2 == 0 ? "user" : "assistant") +
                "\", \"content\": \"m" + std::to_string(i) + "\"}";
    messages += i + 1 < count ? "," : "";
  }
  return R"({"transcript": {"_type": "transcript", "id": "t1", "messages": [)" + messages + "]}}";
}

} // namespace

TEST_CASE("diff") {
  SUBCASE("key order and formatting alone are no difference") {
    const auto compared = compare(R"({"a": 1, "b": {"x": [1, 2], "y": "s"}, "c": 1.0})",
                                  R"({"c":1,"b":{"y":"s","x":[1,2]},"a":1})");
    const DiffResult& result = compared->result;
    CHECK_FALSE(result.different());
    CHECK(result.changes.empty());
  }
  SUBCASE("a changed scalar is one replace") {
    const auto compared =
        compare(R"({"status": "completed", "task": "t"})", R"({"status": "running", "task": "t"})");
    const DiffResult& result = compared->result;
    REQUIRE(result.entries.size() == 1);
    CHECK(result.entries[0].section == Section::status);
    CHECK(result.entries[0].pointer == "/status");
    CHECK(result.entries[0].before == R"("completed")");
    CHECK(result.entries[0].after == R"("running")");
    REQUIRE(result.changes.size() == 1);
    CHECK(result.changes[0].op == PatchOp::replace);
    CHECK(result.changes[0].path == "/status");
  }
  SUBCASE("volatile fields are ignored unless kept") {
    const std::string a =
        R"({"started_at": "1", "audit": {"session_id": "s1", "run_id": "r"}, "snapshot_path": "x"})";
    const std::string b =
        R"({"started_at": "2", "audit": {"session_id": "s2", "run_id": "r"}, "snapshot_path": "y"})";
    const auto compared_ignored = compare(a, b);
    const DiffResult& ignored = compared_ignored->result;
    CHECK_FALSE(ignored.different());
    CHECK(ignored.ignored == 3);
    DiffOptions keep;
    keep.volatile_fields = Volatile::keep;
    const auto compared_kept = compare(a, b, keep);
    const DiffResult& kept = compared_kept->result;
    CHECK(kept.entries.size() == 3);
    CHECK(kept.ignored == 0);
  }
  SUBCASE("--ignore with * matches one segment") {
    DiffOptions options;
    options.ignore = {"/config/nodes/*/model"};
    const auto compared =
        compare(R"({"config": {"nodes": {"a": {"model": "x", "k": 1}}}})",
                R"({"config": {"nodes": {"a": {"model": "y", "k": 2}}}})", options);
    const DiffResult& result = compared->result;
    REQUIRE(result.entries.size() == 1);
    CHECK(result.entries[0].pointer == "/config/nodes/a/k");
    CHECK(result.ignored == 1);
  }
  SUBCASE("a malformed --ignore pointer is a usage error") {
    DiffOptions options;
    options.ignore = {"status"};
    const Document a = parse("{}");
    auto result = reprise::diff_documents(a, a, options);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == reprise::ErrorCode::usage);
  }
  SUBCASE("a message inserted mid-transcript is one insertion") {
    const auto compared = compare(transcript(200), transcript(200, 100));
    const DiffResult& result = compared->result;
    REQUIRE(result.entries.size() == 1);
    CHECK(result.entries[0].kind == EntryKind::message);
    CHECK(result.entries[0].change == ChangeKind::added);
    CHECK(result.entries[0].index_b == 100);
    CHECK(result.entries[0].excerpt_b == "inserted");
    REQUIRE(result.changes.size() == 1);
    CHECK(result.changes[0].op == PatchOp::add);
    CHECK(result.changes[0].path == "/transcript/messages/100");
    CHECK(result.per_section[static_cast<std::size_t>(Section::transcript)] == 1);
  }
  SUBCASE("an edited message is one change, not a removal and an insertion") {
    std::string b = transcript(6);
    b.replace(b.find("\"m3\""), 4, "\"edited\"");
    const auto compared = compare(transcript(6), b);
    const DiffResult& result = compared->result;
    REQUIRE(result.entries.size() == 1);
    CHECK(result.entries[0].change == ChangeKind::changed);
    CHECK(result.entries[0].label == "assistant");
    CHECK(result.entries[0].excerpt_a == "m3");
    CHECK(result.entries[0].excerpt_b == "edited");
    CHECK(result.entries[0].fields == std::vector<std::string>{"/content"});
    REQUIRE(result.changes.size() == 1);
    CHECK(result.changes[0].path == "/transcript/messages/3/content");
  }
  SUBCASE("insertions and removals keep later indices applicable") {
    // A: m0..m5; B: drops m1, inserts one message before m4.
    std::string b = transcript(6, 4);
    b.replace(b.find(R"({"role": "assistant", "content": "m1"},)"),
              std::string_view(R"({"role": "assistant", "content": "m1"},)").size(), "");
    const auto compared = compare(transcript(6), b);
    const DiffResult& result = compared->result;
    REQUIRE(result.changes.size() == 2);
    CHECK(result.changes[0].op == PatchOp::remove);
    CHECK(result.changes[0].path == "/transcript/messages/1");
    CHECK(result.changes[1].op == PatchOp::add);
    CHECK(result.changes[1].path == "/transcript/messages/3");
  }
  SUBCASE("an element prepended to a plain array is one add") {
    const auto compared = compare(R"({"x": ["foo", "sil"]})", R"({"x": ["bar", "foo", "sil"]})");
    const DiffResult& result = compared->result;
    REQUIRE(result.changes.size() == 1);
    CHECK(result.changes[0].op == PatchOp::add);
    CHECK(result.changes[0].path == "/x/0");
    CHECK(result.changes[0].value == R"("bar")");
  }
  SUBCASE("plain arrays align anywhere: one op per inserted or removed element") {
    std::string a = R"({"x": [)";
    std::string b = R"({"x": [-1, )";
    for (int i = 0; i < 100000; ++i) {
      const std::string item = i == 50000 ? "" : std::to_string(i) + (i + 1 < 100000 ? ", " : "");
      a += std::to_string(i) + (i + 1 < 100000 ? ", " : "");
      b += item;
    }
    a += "]}";
    b += "]}";
    const auto compared = compare(a, b);
    const DiffResult& result = compared->result;
    REQUIRE(result.changes.size() == 2);
    CHECK(result.changes[0].op == PatchOp::add);
    CHECK(result.changes[0].path == "/x/0");
    CHECK(result.changes[1].op == PatchOp::remove);
    CHECK(result.changes[1].path == "/x/50001"); // 50000, shifted by the element added before it
  }
  SUBCASE("elements changed in place in a plain array are compared member by member") {
    const auto compared =
        compare(R"({"x": [{"a": 1, "b": 2}, 7, 8]})", R"({"x": [{"a": 1, "b": 3}, 7, 9]})");
    const DiffResult& result = compared->result;
    REQUIRE(result.changes.size() == 2);
    CHECK(result.changes[0].op == PatchOp::replace);
    CHECK(result.changes[0].path == "/x/0/b");
    CHECK(result.changes[1].op == PatchOp::replace);
    CHECK(result.changes[1].path == "/x/2");
  }
  SUBCASE("artifacts are matched by id") {
    const auto compared = compare(
        R"({"artifacts": [{"id": "a1", "kind": "plan", "title": "P"}, {"id": "a2", "kind": "note"}]})",
        R"({"artifacts": [{"id": "a0", "kind": "diff", "title": "D"}, {"id": "a1", "kind": "plan", "title": "P2"}, {"id": "a2", "kind": "note"}]})");
    const DiffResult& result = compared->result;
    REQUIRE(result.entries.size() == 2);
    CHECK(result.entries[0].change == ChangeKind::added);
    CHECK(result.entries[0].kind == EntryKind::artifact);
    CHECK(result.entries[0].id == "a0");
    CHECK(result.entries[0].label == "diff");
    CHECK(result.entries[1].change == ChangeKind::changed);
    CHECK(result.entries[1].id == "a1");
    CHECK(result.entries[1].title == "P2");
    CHECK(result.entries[1].index_a == 0);
    CHECK(result.entries[1].index_b == 1);
    REQUIRE(result.changes.size() == 2);
    CHECK(result.changes[1].path == "/artifacts/1/title");
  }
  SUBCASE("events with regenerated ids are aligned by content") {
    const std::string a =
        R"({"transcript": {"events": [{"id": "e1", "text": "x"}, {"id": "e2", "text": "y"}]}})";
    const std::string b =
        R"({"transcript": {"events": [{"id": "f1", "text": "x"}, {"id": "f2", "text": "z"}]}})";
    const auto compared = compare(a, b);
    const DiffResult& result = compared->result;
    REQUIRE(result.entries.size() == 1);
    CHECK(result.entries[0].kind == EntryKind::event);
    CHECK(result.entries[0].fields == std::vector<std::string>{"/text"});
    CHECK(result.ignored == 2);
    DiffOptions keep;
    keep.volatile_fields = Volatile::keep;
    const auto compared_kept = compare(a, b, keep);
    const DiffResult& kept = compared_kept->result;
    CHECK(kept.entries.size() == 4); // matched by id: two removed, two added
  }
  SUBCASE("numbers compare by value, types do not mix") {
    CHECK_FALSE(compare(R"({"n": 1, "d": 2.50, "e": 1e2})", R"({"n": 1.0, "d": 2.5, "e": 100})")
                    ->result.different());
    CHECK(compare(R"({"n": 1})", R"({"n": "1"})")->result.different());
    CHECK(compare(R"({"n": true})", R"({"n": 1})")->result.different());
    CHECK(compare(R"({"s": "\u0041"})", R"({"s": "A"})")->result.different() == false);
  }
}
