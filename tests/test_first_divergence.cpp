#include "diff/first_divergence.hpp"

#include "json/document.hpp"
#include <doctest/doctest.h>
#include <string>

using reprise::Document;

namespace {

Document parse(std::string_view text) {
  auto document = Document::from_string(text, "test.json");
  REQUIRE(document.has_value());
  return std::move(*document);
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

TEST_CASE("diff first_divergence") {
  SUBCASE("the first divergence names the message and both sides") {
    const Document a = parse(transcript(5));
    const Document b = parse(transcript(5, 2));
    const auto divergence = reprise::first_divergence(a, b);
    REQUIRE(divergence.has_value());
    CHECK(divergence->index == 2);
    REQUIRE(divergence->a.has_value());
    CHECK(divergence->a->role == "user");
    CHECK(divergence->a->text == "m2");
    REQUIRE(divergence->b.has_value());
    CHECK(divergence->b->text == "inserted");
    CHECK(divergence->b->content == R"("inserted")");
    CHECK_FALSE(reprise::first_divergence(a, a).has_value());
    const Document shorter = parse(transcript(3));
    const auto tail = reprise::first_divergence(shorter, a);
    REQUIRE(tail.has_value());
    CHECK(tail->index == 3);
    CHECK_FALSE(tail->a.has_value());
  }
  SUBCASE("messages equal as values do not diverge") {
    const Document a = parse(R"({"transcript": {"messages": [{"role": "user", "content": "x"}]}})");
    const Document b = parse(R"({"transcript": {"messages": [{"content": "x", "role": "user"}]}})");
    CHECK_FALSE(reprise::first_divergence(a, b).has_value());
  }
  SUBCASE("content blocks are read as their text") {
    const Document a = parse(R"({"transcript": {"messages": []}})");
    const Document b = parse(
        R"({"transcript": {"messages": [{"role": "assistant", "content": [{"type": "text", "text": "one"}, {"type": "image"}, {"type": "text", "text": "two"}]}]}})");
    const auto divergence = reprise::first_divergence(a, b);
    REQUIRE(divergence.has_value());
    CHECK(divergence->index == 0);
    CHECK_FALSE(divergence->a.has_value());
    REQUIRE(divergence->b.has_value());
    CHECK(divergence->b->role == "assistant");
    CHECK(divergence->b->text == "one\ntwo");
  }
}
