// harn's redaction policy: secret-named fields, secret-looking strings, URLs, display masking.
#include "json/redact.hpp"
#include <doctest/doctest.h>
#include <string>

using namespace reprise;

namespace {

std::string redacted(std::string_view text) {
  return redact::redact_string(text).value_or("(unchanged)");
}

} // namespace

TEST_CASE("redact") {
  SUBCASE("secret-named fields, case-insensitive, exact names and suffixes") {
    for (const char* name : {"Authorization", "cookie", "api_key", "X-API-KEY", "password",
                             "github_token", "client_secret", "db_password", "openai_api_key"}) {
      CAPTURE(name);
      CHECK(redact::field_is_sensitive(name));
    }
    for (const char* name : {"token_count", "keys", "author", "session_id", "secretary"}) {
      CAPTURE(name);
      CHECK_FALSE(redact::field_is_sensitive(name));
    }
  }
  SUBCASE("secret patterns become <redacted:NAME:LENGTH>") {
    CHECK(redacted("x ghp_abcdefghijklmnopqrstuvwxyz0123456789AB y") ==
          "x <redacted:github_token:42> y");
    CHECK(redacted("AKIAABCDEFGHIJKLMNOP") == "<redacted:aws_access_key:20>");
    CHECK(redacted("sk_live_abcdefghijklmnop1234") == "<redacted:stripe_key:28>");
    CHECK(redacted("Authorization: Bearer abcdefghijklmnop") ==
          "Authorization: <redacted:bearer_token:23>");
    CHECK(redacted("password=hunter2!") == "<redacted:sensitive_assignment:16>!");
    CHECK(redacted("-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----") ==
          "<redacted:private_key_block:65>");
    CHECK(redacted("eyJhbGciOi.eyJzdWIiOi.abcdEFGH") == "<redacted:jwt:30>");
    // A word boundary is needed on both sides: an identifier that merely contains a prefix stays.
    CHECK(redacted("mask_ghp_abcdefghijklmnopqrstuvwxyz0123456789AB") == "(unchanged)");
    CHECK(redacted("plain words, a sk- and a password") == "(unchanged)");
  }
  SUBCASE("a lone URL loses its userinfo and secret query values") {
    CHECK(redacted("https://user:pw@example.com/x?api_key=1&q=a+b") ==
          "https://example.com/x?api_key=%5Bredacted%5D&q=a+b");
    CHECK(redacted("https://example.com/x?q=1") == "(unchanged)");
    CHECK(redacted("see https://user:pw@example.com") == "(unchanged)"); // not a lone URL
  }
  SUBCASE("JSON: fields by name, every other string by content") {
    auto value = nlohmann::ordered_json::parse(
        R"({"headers": {"Authorization": "x", "accept": "y"}, "my_api_key": 5,
            "list": ["ghp_abcdefghijklmnopqrstuvwxyz0123456789AB", 1]})");
    CHECK(redact::redact_json(value));
    CHECK(value.dump() == R"({"headers":{"Authorization":"[redacted]","accept":"y"},)"
                          R"("my_api_key":"[redacted]","list":["<redacted:github_token:42>",1]})");
    auto clean = nlohmann::ordered_json::parse(R"({"a": ["b", {"c": 1}]})");
    CHECK_FALSE(redact::redact_json(clean));
  }
  SUBCASE("display masking: JSON-looking text and diff lines") {
    CHECK(redact::mask_text(R"(  + /a: {"password":"p","b":1})") ==
          R"(  + /a: {"password":"[redacted]","b":1})");
    CHECK(redact::mask_text("  ~ /config/spec/options/api_key: \"x\" → \"y\"\n  ~ /b: 1\n") ==
          "  ~ /config/spec/options/api_key: \"[redacted]\"\n  ~ /b: 1\n");
    CHECK(redact::mask_text("token ghp_abcdefghijklmnopqrstuvwxyz0123456789AB") ==
          "token <redacted:github_token:42>");
    CHECK(redact::mask_text("nothing to hide: 1") == "nothing to hide: 1");
    // A pattern's placeholder names no key: `github_token:` in it masks nothing further.
    CHECK(redact::mask_text(R"("pushed with ghp_abcdefghijklmnopqrstuvwxyz0123456789AB")") ==
          R"("pushed with <redacted:github_token:42>")");
  }
}
