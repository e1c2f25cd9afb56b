#include "json/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fmt/format.h>
#include <functional>
#include <limits>
#include <vector>

namespace reprise::redact {

namespace {

// A tiny backtracking matcher for the catalog's patterns, which are concatenations of literals,
// character-class runs, word boundaries and alternatives: std::regex recurses once per character
// and cannot be trusted with a long token.
struct Element;
using Sequence = std::vector<Element>;

struct Element {
  enum class Kind { literal, run, boundary, choice } kind = Kind::literal;
  std::string text{};                           // literal
  bool fold_case = false;                       // literal: ASCII case-insensitive
  std::function<bool(unsigned char)> accepts{}; // run
  std::size_t min = 0;                          // run
  std::size_t max = 0;                          // run
  bool lazy = false;                            // run: shortest first
  std::vector<Sequence> alternatives{};         // choice
};

constexpr std::size_t k_unbounded = std::numeric_limits<std::size_t>::max();

Element literal(std::string text, bool fold_case = false) {
  return {.kind = Element::Kind::literal, .text = std::move(text), .fold_case = fold_case};
}
Element run(std::function<bool(unsigned char)> accepts, std::size_t min, std::size_t max,
            bool lazy = false) {
  return {.kind = Element::Kind::run,
          .accepts = std::move(accepts),
          .min = min,
          .max = max,
          .lazy = lazy};
}
Element boundary() {
  return {.kind = Element::Kind::boundary};
}
Element choice(std::vector<Sequence> alternatives) {
  return {.kind = Element::Kind::choice, .alternatives = std::move(alternatives)};
}
Element one_of(std::initializer_list<std::string_view> words, bool fold_case = false) {
  std::vector<Sequence> alternatives;
  for (std::string_view word : words) {
    alternatives.push_back({literal(std::string(word), fold_case)});
  }
  return choice(std::move(alternatives));
}

bool is_word(unsigned char c) {
  return std::isalnum(c) != 0 || c == '_';
}
bool alnum(unsigned char c) {
  return std::isalnum(c) != 0;
}
bool alnum_dash_underscore(unsigned char c) {
  return std::isalnum(c) != 0 || c == '_' || c == '-';
}
bool token_char(unsigned char c) { // [A-Za-z0-9._\-+/=]
  return std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-' || c == '+' || c == '/' ||
         c == '=';
}
bool space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

class Matcher {
public:
  explicit Matcher(std::string_view text) : m_text(text) {}

  // The end of a match of `sequence` from `start`, leftmost-first as a backtracking regex finds it.
  std::optional<std::size_t> match(const Sequence& sequence, std::size_t start) const {
    std::optional<std::size_t> end;
    step(sequence, 0, start, [&](std::size_t at) {
      end = at;
      return true;
    });
    return end;
  }

private:
  using Continue = std::function<bool(std::size_t)>;

  bool at_boundary(std::size_t at) const {
    const bool before = at > 0 && is_word(static_cast<unsigned char>(m_text[at - 1]));
    const bool after = at < m_text.size() && is_word(static_cast<unsigned char>(m_text[at]));
    return before != after;
  }

  bool step(const Sequence& sequence, std::size_t index, std::size_t at,
            const Continue& done) const {
    if (index == sequence.size()) {
      return done(at);
    }
    const Element& element = sequence[index];
    const auto next = [&](std::size_t to) { return step(sequence, index + 1, to, done); };
    switch (element.kind) {
    case Element::Kind::boundary:
      return at_boundary(at) && next(at);
    case Element::Kind::literal: {
      if (m_text.size() - at < element.text.size()) {
        return false;
      }
      for (std::size_t i = 0; i < element.text.size(); ++i) {
        const char a = m_text[at + i];
        const char b = element.text[i];
        const bool same = element.fold_case ? std::tolower(static_cast<unsigned char>(a)) ==
                                                  std::tolower(static_cast<unsigned char>(b))
                                            : a == b;
        if (!same) {
          return false;
        }
      }
      return next(at + element.text.size());
    }
    case Element::Kind::choice:
      for (const Sequence& alternative : element.alternatives) {
        if (step(alternative, 0, at, next)) {
          return true;
        }
      }
      return false;
    case Element::Kind::run: {
      std::size_t longest = 0;
      while (at + longest < m_text.size() && longest < element.max &&
             element.accepts(static_cast<unsigned char>(m_text[at + longest]))) {
        ++longest;
      }
      if (longest < element.min) {
        return false;
      }
      if (element.lazy) {
        for (std::size_t n = element.min; n <= longest; ++n) {
          if (next(at + n)) {
            return true;
          }
        }
        return false;
      }
      for (std::size_t n = longest + 1; n-- > element.min;) {
        if (next(at + n)) {
          return true;
        }
      }
      return false;
    }
    }
    return false;
  }

  std::string_view m_text;
};

struct Pattern {
  std::string_view name;
  Sequence sequence;
};

// The catalog of crates/harn-vm/src/secret_patterns.rs, in its order (earlier patterns win).
const std::vector<Pattern>& patterns() {
  static const std::vector<Pattern> k_patterns = [] {
    const auto prefixed_token = [](std::initializer_list<std::string_view> prefixes,
                                   std::function<bool(unsigned char)> chars, std::size_t min,
                                   std::size_t max) {
      return Sequence{boundary(), one_of(prefixes), run(std::move(chars), min, max), boundary()};
    };
    const auto any = [](unsigned char) { return true; };
    const auto key_block = [](unsigned char c) {
      return std::isupper(c) != 0 || std::isdigit(c) != 0 || c == ' ';
    };
    const auto upper_digit = [](unsigned char c) {
      return std::isupper(c) != 0 || std::isdigit(c) != 0;
    };
    const auto github_kind = [](unsigned char c) {
      return c == 'p' || c == 'o' || c == 'u' || c == 's' || c == 'r';
    };
    const auto slack_kind = [](unsigned char c) {
      return c == 'a' || c == 'b' || c == 'p' || c == 'r' || c == 's';
    };
    const auto slack_chars = [](unsigned char c) { return std::isalnum(c) != 0 || c == '-'; };
    const auto word_or_dash = alnum_dash_underscore;
    const auto pat_chars = [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; };
    // api[_-]?key and the like: the keyword with its optional separator spelled out.
    std::vector<Sequence> keywords;
    for (std::string_view stem : {"api", "access", "refresh", "id", "client"}) {
      const std::string_view tail = stem == "api" ? "key" : stem == "client" ? "secret" : "token";
      for (std::string_view separator : {"_", "-", ""}) {
        keywords.push_back({literal(fmt::format("{}{}{}", stem, separator, tail), true)});
      }
    }
    for (std::string_view word : {"password", "passwd", "secret", "token"}) {
      keywords.push_back({literal(std::string(word), true)});
    }
    std::vector<Sequence> values;
    values.push_back({literal("\""), run(token_char, 6, k_unbounded), literal("\"")});
    values.push_back({literal("'"), run(token_char, 6, k_unbounded), literal("'")});
    values.push_back(
        {run(token_char, 0, k_unbounded),
         run([](unsigned char c) { return token_char(c) && std::isalpha(c) == 0; }, 1, 1),
         run(token_char, 0, k_unbounded)});
    for (std::string_view word : {"secret", "hidden", "hideme", "password", "passwd", "token"}) {
      values.push_back({literal(std::string(word), true)});
    }

    return std::vector<Pattern>{
        {"jwt",
         {boundary(), literal("eyJ"), run(alnum_dash_underscore, 4, k_unbounded), literal("."),
          run(alnum_dash_underscore, 4, k_unbounded), literal("."),
          run(alnum_dash_underscore, 4, k_unbounded), boundary()}},
        {"github_token",
         {boundary(), literal("gh"), run(github_kind, 1, 1), literal("_"), run(alnum, 36, 255),
          boundary()}},
        {"github_pat_fine", prefixed_token({"github_pat_"}, pat_chars, 20, 255)},
        {"slack_token",
         {boundary(), literal("xox"), run(slack_kind, 1, 1), literal("-"),
          run(slack_chars, 10, 255), boundary()}},
        {"aws_access_key", prefixed_token({"AKIA", "ASIA", "AGPA", "AIDA", "ANPA", "AROA", "AIPA"},
                                          upper_digit, 16, 16)},
        {"gitlab_token", prefixed_token({"glpat-"}, word_or_dash, 20, 255)},
        {"huggingface_token", prefixed_token({"hf_"}, alnum, 20, 255)},
        {"cerebras_key", prefixed_token({"csk-"}, alnum, 20, 255)},
        {"together_key", prefixed_token({"tgp_v1_"}, word_or_dash, 20, 255)},
        {"google_api_key", prefixed_token({"AIza"}, word_or_dash, 35, 35)},
        {"npm_token", prefixed_token({"npm_"}, alnum, 36, 36)},
        {"openai_key", prefixed_token({"sk-"}, word_or_dash, 20, 255)},
        {"stripe_key",
         {boundary(), one_of({"rk", "sk"}), literal("_"), one_of({"live", "test"}), literal("_"),
          run(alnum, 16, 255), boundary()}},
        {"private_key_block",
         {literal("-----BEGIN "), run(key_block, 0, k_unbounded), literal("PRIVATE KEY-----"),
          run(any, 0, k_unbounded, true), literal("-----END "), run(key_block, 0, k_unbounded),
          literal("PRIVATE KEY-----")}},
        {"bearer_token",
         {boundary(), literal("Bearer", true), run(space, 1, k_unbounded),
          run(token_char, 12, k_unbounded)}},
        {"sensitive_assignment",
         {boundary(), choice(std::move(keywords)), run(space, 0, k_unbounded), one_of({":", "="}),
          run(space, 0, k_unbounded), choice(std::move(values))}},
    };
  }();
  return k_patterns;
}

// scan_secret_patterns with the canonical placeholder: each pattern in turn over the text the
// previous ones left, every match replaced by `<redacted:NAME:LENGTH>`.
std::optional<std::string> scan_secret_patterns(std::string_view input) {
  std::string text(input);
  bool changed = false;
  for (const Pattern& pattern : patterns()) {
    const Matcher matcher(text);
    std::string out;
    std::size_t copied = 0;
    std::size_t at = 0;
    while (at <= text.size()) {
      const auto end = matcher.match(pattern.sequence, at);
      if (!end || *end == at) {
        ++at;
        continue;
      }
      out.append(text, copied, at - copied);
      out += fmt::format("<redacted:{}:{}>", pattern.name, *end - at);
      copied = *end;
      at = *end;
    }
    if (copied > 0) {
      out.append(text, copied, std::string::npos);
      text = std::move(out);
      changed = true;
    }
  }
  return changed ? std::optional(std::move(text)) : std::nullopt;
}

bool lower_equals_any(std::string_view lower, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), lower) != names.end();
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool url_param_is_sensitive(std::string_view name) {
  const std::string lower = lowercase(name);
  return lower_equals_any(lower, {"api_key", "apikey", "access_token", "refresh_token", "id_token",
                                  "client_secret", "password", "secret", "token", "auth", "bearer",
                                  "sig", "signature"}) ||
         lower.ends_with("_token") || lower.ends_with("_secret") || lower.ends_with("_password");
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// application/x-www-form-urlencoded, as the url crate's query_pairs decode and re-encode it.
std::string form_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}
std::string form_encode(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '*' || c == '-' || c == '.' || c == '_') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

// redact_url_in_string: a lone http(s) URL without userinfo and with its sensitive query values
// replaced. The rest of the URL is kept as written (the url crate would also normalise it).
std::optional<std::string> redact_url(std::string_view value) {
  if (!value.starts_with("http://") && !value.starts_with("https://")) {
    return std::nullopt;
  }
  std::string_view url = value;
  while (!url.empty() && space(static_cast<unsigned char>(url.back()))) {
    url.remove_suffix(1);
  }
  if (std::any_of(url.begin(), url.end(),
                  [](char c) { return space(static_cast<unsigned char>(c)); })) {
    return std::nullopt;
  }
  const std::size_t scheme_end = url.find("://") + 3;
  const std::size_t authority_end = std::min(url.find_first_of("/?#", scheme_end), url.size());
  std::string_view authority = url.substr(scheme_end, authority_end - scheme_end);
  bool changed = false;
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
    changed = true;
  }
  std::string rest(url.substr(authority_end));
  if (rest.empty() || rest.front() != '/') {
    rest.insert(0, "/"); // a special URL always has a path
  }
  const std::size_t query_start = rest.find('?');
  if (query_start != std::string::npos) {
    const std::size_t fragment = rest.find('#', query_start);
    const std::string_view query = std::string_view(rest).substr(
        query_start + 1,
        fragment == std::string::npos ? std::string::npos : fragment - query_start - 1);
    std::string rebuilt;
    bool sensitive = false;
    std::size_t from = 0;
    while (from <= query.size()) {
      const std::size_t amp = std::min(query.find('&', from), query.size());
      const std::string_view pair = query.substr(from, amp - from);
      if (!pair.empty()) {
        const std::size_t eq = pair.find('=');
        const std::string key = form_decode(pair.substr(0, eq));
        const std::string val =
            eq == std::string_view::npos ? "" : form_decode(pair.substr(eq + 1));
        const bool hide = url_param_is_sensitive(key);
        sensitive = sensitive || hide;
        rebuilt += fmt::format("{}{}={}", rebuilt.empty() ? "" : "&", form_encode(key),
                               form_encode(hide ? std::string(k_placeholder) : val));
      }
      from = amp + 1;
    }
    if (sensitive) {
      rest = rest.substr(0, query_start + 1) + rebuilt +
             (fragment == std::string::npos ? "" : rest.substr(fragment));
      changed = true;
    }
  }
  if (!changed) {
    return std::nullopt;
  }
  return fmt::format("{}{}{}", url.substr(0, scheme_end), authority, rest);
}

} // namespace

bool field_is_sensitive(std::string_view name) {
  const std::string lower = lowercase(name);
  return lower_equals_any(lower, {"authorization", "proxy-authorization",
                                  "cookie",        "set-cookie",
                                  "api_key",       "apikey",
                                  "api-key",       "x-api-key",
                                  "x-auth-token",  "x-csrf-token",
                                  "x-xsrf-token",  "access_token",
                                  "refresh_token", "id_token",
                                  "bearer_token",  "client_secret",
                                  "secret",        "password",
                                  "passwd",        "private_key",
                                  "session_token"}) ||
         lower.ends_with("_token") || lower.ends_with("_secret") || lower.ends_with("_password") ||
         lower.ends_with("_apikey") || lower.ends_with("_api_key");
}

std::optional<std::string> redact_string(std::string_view text) {
  if (auto url = redact_url(text)) {
    return scan_secret_patterns(*url).value_or(*url);
  }
  return scan_secret_patterns(text);
}

bool redact_json(nlohmann::ordered_json& value) {
  bool changed = false;
  if (value.is_object()) {
    for (auto& [key, child] : value.items()) {
      if (field_is_sensitive(key)) {
        changed = changed || child != std::string(k_placeholder);
        child = std::string(k_placeholder);
      } else {
        changed = redact_json(child) || changed;
      }
    }
  } else if (value.is_array()) {
    for (auto& item : value) {
      changed = redact_json(item) || changed;
    }
  } else if (value.is_string()) {
    if (auto redacted = redact_string(value.get_ref<const std::string&>())) {
      value = std::move(*redacted);
      changed = true;
    }
  }
  return changed;
}

std::string mask_text(std::string_view text) {
  std::string out = scan_secret_patterns(text).value_or(std::string(text));
  // `"key": value` or `key: value` with a sensitive key: the value up to the end of the JSON
  // value as far as a line can tell (a quoted string, else up to , } ] or the line's end).
  std::string masked;
  std::size_t copied = 0;
  for (std::size_t at = 0; at < out.size(); ++at) {
    if (!is_word(static_cast<unsigned char>(out[at])) ||
        (at > 0 && (is_word(static_cast<unsigned char>(out[at - 1])) || out[at - 1] == '-'))) {
      continue;
    }
    std::size_t end = at;
    while (end < out.size() && (is_word(static_cast<unsigned char>(out[end])) || out[end] == '-')) {
      ++end;
    }
    const std::string_view key(out.data() + at, end - at);
    constexpr std::string_view k_named = "<redacted:";
    if (at >= k_named.size() && out.compare(at - k_named.size(), k_named.size(), k_named) == 0) {
      continue; // a pattern's placeholder, `<redacted:github_token:42>`, names no key
    }
    std::size_t colon = end;
    if (colon < out.size() && out[colon] == '"') {
      ++colon;
    }
    if (colon >= out.size() || out[colon] != ':' || !field_is_sensitive(key)) {
      continue;
    }
    std::size_t value = colon + 1;
    while (value < out.size() && out[value] == ' ') {
      ++value;
    }
    std::size_t value_end = value;
    if (at > 0 && out[at - 1] == '/') {
      // A JSON pointer ending in the key (a diff line): everything after it shows the value.
      value_end = std::min(out.find('\n', value), out.size());
    } else if (value < out.size() && out[value] == '"') {
      value_end = value + 1;
      while (value_end < out.size() && out[value_end] != '"' && out[value_end] != '\n') {
        value_end += out[value_end] == '\\' ? 2 : 1;
      }
      value_end = std::min(value_end + 1, out.size());
    } else {
      while (value_end < out.size() && out[value_end] != ',' && out[value_end] != '}' &&
             out[value_end] != ']' && out[value_end] != '\n') {
        ++value_end;
      }
    }
    if (value_end == value) {
      continue;
    }
    masked.append(out, copied, value - copied);
    masked += fmt::format("\"{}\"", k_placeholder);
    copied = value_end;
    at = value_end > 0 ? value_end - 1 : value_end;
  }
  masked.append(out, copied, std::string::npos);
  return masked;
}

} // namespace reprise::redact
