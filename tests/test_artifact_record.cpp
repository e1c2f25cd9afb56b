#include "snapshot/artifact_record.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace reprise;

namespace {

// What load_artifact_list made of root.artifacts of one document.
struct Loaded {
  Document document;
  std::vector<Warning> warnings;
  Result<std::vector<ArtifactInfo>> result;
};

Loaded load(const std::string& root) {
  auto document = Document::from_string(root, "artifacts.json");
  REQUIRE_MESSAGE(document, (document ? "" : document.error().to_string()));
  Loaded loaded{std::move(*document), {}, std::vector<ArtifactInfo>{}};
  LoadContext ctx(loaded.document, loaded.warnings);
  loaded.result =
      load_artifact_list(ctx, member(loaded.document.root(), "artifacts"), "/artifacts");
  return loaded;
}

// The error of loading `artifact` as the only element of the list.
Error error_of(const std::string& artifact) {
  const Loaded loaded = load(R"({"artifacts": [)" + artifact + "]}");
  REQUIRE_FALSE(loaded.result);
  return loaded.result.error();
}

} // namespace

TEST_CASE("artifact_record") {
  SUBCASE("a missing list is empty; an empty list too") {
    const Loaded missing = load(R"({"id": "w"})");
    REQUIRE(missing.result);
    CHECK(missing.result->empty());
    const Loaded empty = load(R"({"artifacts": []})");
    REQUIRE(empty.result);
    CHECK(empty.result->empty());
  }

  SUBCASE("the fields selection and display need, and each record's bytes") {
    const Loaded loaded = load(R"({"artifacts": [
      {"_type": "artifact", "id": "a1", "kind": "plan", "title": "The plan", "text": "abcdé",
       "stage": "draft", "freshness": "fresh", "created_at": "2026-01-01", "priority": -3,
       "relevance": 0.5, "estimated_tokens": 120, "lineage": ["a0"], "metadata": {"k": 1},
       "unknown": [true]},
      {"id": "a2", "kind": "note", "title": null, "relevance": 2}
    ]})");
    REQUIRE_MESSAGE(loaded.result, (loaded.result ? "" : loaded.result.error().to_string()));
    REQUIRE(loaded.result->size() == 2);
    const ArtifactInfo& first = (*loaded.result)[0];
    CHECK(first.id == "a1");
    CHECK(first.kind == "plan");
    CHECK(first.title == "The plan");
    CHECK(first.stage == "draft");
    CHECK(first.freshness == "fresh");
    CHECK(first.created_at == "2026-01-01");
    CHECK(first.priority == -3);
    CHECK(first.relevance == 0.5);
    CHECK(first.estimated_tokens == 120u);
    CHECK(first.text_bytes == 6u); // bytes of the decoded text, é is two
    CHECK(first.bytes.starts_with(R"({"_type": "artifact")"));
    CHECK(first.bytes.ends_with(R"("unknown": [true]})"));
    const ArtifactInfo& second = (*loaded.result)[1];
    CHECK(second.id == "a2");
    CHECK_FALSE(second.title.has_value());
    CHECK(second.relevance == 2.0); // an integer is a valid f64
    CHECK_FALSE(second.priority.has_value());
    CHECK(second.text_bytes == 0u);
    CHECK(second.bytes == R"({"id": "a2", "kind": "note", "title": null, "relevance": 2})");
    CHECK(loaded.warnings.empty());
  }

  SUBCASE("not a list, or an element that is not an object") {
    const Loaded null_list = load(R"({"artifacts": null})");
    REQUIRE_FALSE(null_list.result);
    CHECK(null_list.result.error().code == ErrorCode::invalid_snapshot);
    CHECK(null_list.result.error().pointer == "/artifacts");
    CHECK(null_list.result.error().message ==
          "worker snapshot artifacts parse error: invalid type: null, expected a sequence");

    const Error element = error_of("7");
    CHECK(element.pointer == "/artifacts/0");
    CHECK(element.message == "worker snapshot artifacts parse error: invalid type: integer `7`, "
                             "expected struct ArtifactRecord");
  }

  SUBCASE("serde's strictness, field by field, at the field's pointer") {
    // id, kind, created_at and _type are required strings: null is an error.
    CHECK(error_of(R"({"id": null})").pointer == "/artifacts/0/id");
    CHECK(error_of(R"({"kind": 1})").pointer == "/artifacts/0/kind");
    CHECK(error_of(R"({"created_at": false})").pointer == "/artifacts/0/created_at");
    // title, text, source, freshness, stage are optional strings: null is fine, a number is not.
    CHECK(error_of(R"({"source": 1})").pointer == "/artifacts/0/source");
    CHECK(error_of(R"({"priority": 1.5})").pointer == "/artifacts/0/priority");
    CHECK(error_of(R"({"relevance": "high"})").message.ends_with("expected f64"));
    CHECK(error_of(R"({"estimated_tokens": -1})").message ==
          "worker snapshot artifacts parse error: invalid value: integer `-1`, expected usize");
    CHECK(error_of(R"({"lineage": [1]})").pointer == "/artifacts/0/lineage");
    CHECK(error_of(R"({"metadata": []})").pointer == "/artifacts/0/metadata");
    const Loaded nulls = load(
        R"({"artifacts": [{"title": null, "text": null, "source": null, "freshness": null,
            "stage": null, "priority": null, "relevance": null, "estimated_tokens": null}]})");
    CHECK(nulls.result);
  }

  SUBCASE("the first bad element is the error; its index is in the pointer") {
    const Loaded loaded = load(R"({"artifacts": [{"id": "a"}, {"id": "b"}, {"id": 3}, 4]})");
    REQUIRE_FALSE(loaded.result);
    CHECK(loaded.result.error().pointer == "/artifacts/2/id");
    CHECK(loaded.result.error().line == 1);
  }
}
