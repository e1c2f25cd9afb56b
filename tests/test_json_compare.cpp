#include "diff/json_compare.hpp"

#include "json/document.hpp"
#include <doctest/doctest.h>
#include <memory>
#include <string>
#include <vector>

using namespace reprise;

namespace {

// Parses each text as its own document; the documents live as long as this object.
class Values {
public:
  simdjson::dom::element operator()(const std::string& text) {
    auto document = Document::from_string(text, "value.json");
    REQUIRE_MESSAGE(document, (document ? "" : document.error().to_string()));
    m_documents.push_back(std::make_unique<Document>(std::move(*document)));
    return m_documents.back()->root();
  }

private:
  std::vector<std::unique_ptr<Document>> m_documents;
};

bool equal(const std::string& a, const std::string& b) {
  Values values;
  return values_equal(values(a), values(b));
}

std::uint64_t hash(const std::string& text, const PointerPatterns& patterns = {}) {
  Values values;
  return hash_value(values(text), patterns, patterns.all(), 0);
}

} // namespace

TEST_CASE("json_compare") {
  SUBCASE("numbers compare by value across integer and floating forms") {
    CHECK(equal("1", "1.0"));
    CHECK(equal("100", "1e2"));
    CHECK(equal("1.5", "1.50"));
    CHECK(equal("-0.0", "0"));
    CHECK(equal("-0.0", "0.0"));
    CHECK(equal("-7", "-7.0"));
    CHECK_FALSE(equal("1", "1.5"));
    CHECK_FALSE(equal("1", "-1"));
  }

  SUBCASE("big integers: beyond int64 as uint64, equal to the double of the same value") {
    CHECK(equal("1e19", "10000000000000000000"));
    CHECK(equal("9223372036854775808", "9.223372036854775808e18")); // 2^63
    CHECK(equal("18446744073709551615", "18446744073709551615"));   // uint64's largest
    CHECK_FALSE(equal("9223372036854775807", "9223372036854775808"));
    CHECK_FALSE(equal("18446744073709551615", "18446744073709551614"));
    CHECK(equal("-9223372036854775808", "-9.223372036854775808e18")); // int64's smallest
    // Beyond 64 bits an integer is the nearest double, as harn's parser reads it.
    CHECK(equal("100000000000000000000", "1e20"));
    CHECK(equal("1e300", "1e300"));
    CHECK_FALSE(equal("1e300", "1e301"));
  }

  SUBCASE("types do not mix") {
    CHECK_FALSE(equal("1", "\"1\""));
    CHECK_FALSE(equal("true", "1"));
    CHECK_FALSE(equal("null", "false"));
    CHECK_FALSE(equal("[]", "{}"));
    CHECK_FALSE(equal("\"\"", "null"));
    CHECK(equal("null", "null"));
    CHECK(equal("false", "false"));
    CHECK_FALSE(equal("true", "false"));
  }

  SUBCASE("strings by their decoded text") {
    CHECK(equal(R"("A")", R"("\u0041")"));
    CHECK(equal(R"("é")", R"("\u00e9")"));
    CHECK_FALSE(equal(R"("a")", R"("A")"));
  }

  SUBCASE("arrays in order and length; objects in any member order, the last duplicate wins") {
    CHECK(equal("[1, [2, 3]]", "[1.0, [2, 3.0]]"));
    CHECK_FALSE(equal("[1, 2]", "[2, 1]"));
    CHECK_FALSE(equal("[1, 2]", "[1, 2, 3]"));
    CHECK_FALSE(equal("[1, 2, 3]", "[1, 2]"));
    CHECK(equal(R"({"a": 1, "b": {"c": [true]}})", R"({"b": {"c": [true]}, "a": 1.0})"));
    CHECK_FALSE(equal(R"({"a": 1})", R"({"a": 1, "b": null})"));
    CHECK_FALSE(equal(R"({"a": 1})", R"({"b": 1})"));
    CHECK(equal(R"({"a": 1, "a": 2})", R"({"a": 2})"));
    CHECK_FALSE(equal(R"({"a": 1, "a": 2})", R"({"a": 1})"));
  }

  SUBCASE("hash_value: equal values hash alike") {
    CHECK(hash("1") == hash("1.0"));
    CHECK(hash("-0.0") == hash("0"));
    CHECK(hash("1e19") == hash("10000000000000000000"));
    CHECK(hash(R"({"a": 1, "b": [2, "x"]})") == hash(R"({"b": [2.0, "x"], "a": 1})"));
    CHECK(hash(R"("A")") == hash(R"("\u0041")"));
    CHECK(hash(R"({"a": 1})") != hash(R"({"a": 2})"));
    CHECK(hash("[1, 2]") != hash("[2, 1]"));
    CHECK(hash("[1]") != hash("[1, null]"));
    CHECK(hash("1") != hash("\"1\""));
    CHECK(hash("null") != hash("false"));
    CHECK(hash("{}") != hash("[]"));
  }

  SUBCASE("hash_value: what the patterns match is left out") {
    PointerPatterns patterns;
    REQUIRE(patterns.add("/meta/at"));
    REQUIRE(patterns.add("/items/*/id"));
    CHECK(hash(R"({"meta": {"at": 1, "by": "x"}})", patterns) ==
          hash(R"({"meta": {"at": 2, "by": "x"}})", patterns));
    CHECK(hash(R"({"meta": {"by": "x"}})", patterns) ==
          hash(R"({"meta": {"at": 2, "by": "x"}})", patterns));
    CHECK(hash(R"({"meta": {"at": 1, "by": "x"}})", patterns) !=
          hash(R"({"meta": {"at": 1, "by": "y"}})", patterns));
    CHECK(hash(R"({"items": [{"id": "a", "n": 1}]})", patterns) ==
          hash(R"({"items": [{"id": "b", "n": 1}]})", patterns));
    CHECK(hash(R"({"items": [{"id": "a", "n": 1}]})", patterns) !=
          hash(R"({"items": [{"id": "a", "n": 2}]})", patterns));
    // Without the patterns those are different values.
    CHECK(hash(R"({"meta": {"at": 1}})") != hash(R"({"meta": {"at": 2}})"));
  }

  SUBCASE("hash_bytes: the bytes, their length and the seed all count") {
    CHECK(hash_bytes("abc") == hash_bytes("abc"));
    CHECK(hash_bytes("abc") != hash_bytes("abd"));
    CHECK(hash_bytes("abc") != hash_bytes("abc", 1));
    CHECK(hash_bytes("") != hash_bytes(std::string(1, '\0')));
    const std::string long_text(100, 'x');
    std::string other = long_text;
    other[97] = 'y'; // past the 16-byte blocks
    CHECK(hash_bytes(long_text) != hash_bytes(other));
    other = long_text;
    other[3] = 'y'; // inside the first block
    CHECK(hash_bytes(long_text) != hash_bytes(other));
  }
}
