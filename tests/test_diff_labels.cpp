#include "diff/diff_labels.hpp"

#include "json/document.hpp"
#include <doctest/doctest.h>
#include <string>
#include <vector>

using reprise::ChangeKind;
using reprise::Document;
using reprise::EntryKind;
using reprise::Section;
using reprise::SpannedValue;

namespace {

Document parse(std::string_view text) {
  auto document = Document::from_string(text, "test.json");
  REQUIRE(document.has_value());
  return std::move(*document);
}

} // namespace

TEST_CASE("diff_labels") {
  SUBCASE("an excerpt is one line of at most 60 characters") {
    CHECK(reprise::excerpt("a\tb\nc\rd") == "a b c d");
    const std::string long_text(70, 'x');
    CHECK(reprise::excerpt(long_text) == std::string(60, 'x') + "…");
    CHECK(reprise::excerpt(std::string(60, 'x')) == std::string(60, 'x'));
  }
  SUBCASE("an excerpt counts characters, not bytes") {
    std::string accents;
    for (int i = 0; i < 61; ++i) {
      accents += "é";
    }
    std::string expected;
    for (int i = 0; i < 60; ++i) {
      expected += "é";
    }
    CHECK(reprise::excerpt(accents) == expected + "…");
  }
  SUBCASE("message text: string content, content blocks, text, or the bytes") {
    const Document document =
        parse(R"([{"content": "plain"}, {"content": [{"text": "a"}, {"x": 1}, {"text": "b"}]},)"
              R"( {"text": "event"}, 42, {"role": "user"}])");
    const auto list = document.root().get_array().value_unsafe();
    std::vector<std::string> texts;
    for (auto message : list) {
      texts.push_back(reprise::message_text(message, "42"));
    }
    CHECK(texts == std::vector<std::string>{"plain", "a\nb", "event", "42", ""});
  }
  SUBCASE("an element entry carries the label of its kind") {
    const Document a = parse(R"({"id": "e1", "kind": "tool", "role": "assistant", "text": "old"})");
    const Document b = parse(R"({"id": "e1", "kind": "tool", "role": "assistant", "text": "new"})");
    const SpannedValue va = reprise::root_value(a);
    const SpannedValue vb = reprise::root_value(b);
    const auto event = reprise::element_entry(EntryKind::event, ChangeKind::changed,
                                              "/transcript/events/3", &va, &vb);
    CHECK(event.section == Section::transcript);
    CHECK(event.id == "e1");
    CHECK(event.label == "tool/assistant");
    CHECK(event.excerpt_a == "old");
    CHECK(event.excerpt_b == "new");
    CHECK(event.before == va.bytes);
    const auto added = reprise::element_entry(EntryKind::artifact, ChangeKind::added,
                                              "/artifacts/0", nullptr, &vb);
    CHECK(added.section == Section::artifacts);
    CHECK(added.label == "tool");
    CHECK(added.before.empty());
    CHECK(added.excerpt_a.empty());
  }
}
