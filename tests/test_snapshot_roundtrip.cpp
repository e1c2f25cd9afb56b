#include "scratch.hpp"
#include "snapshot/snapshot.hpp"

#include "json/json_node.hpp"
#include <algorithm>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using reprise::OrderedJson;

namespace {

const std::string k_snapshots = reprise::test::fixture_path("snapshots/");

std::vector<fs::path> good_fixtures() {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(k_snapshots)) {
    if (entry.path().filename().string().starts_with("good-")) {
      paths.push_back(entry.path());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Whether `path` is `pointer` or lies inside it.
bool within(const std::string& path, const std::string& pointer) {
  return path == pointer || (path.starts_with(pointer) && path[pointer.size()] == '/');
}

// The keys of every object in `value`, depth first, each prefixed with its JSON pointer.
void key_order(const OrderedJson& value, const std::string& at, std::vector<std::string>& out) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      out.push_back(at + "/" + key);
      key_order(child, at + "/" + key, out);
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      key_order(value[i], at + "/" + std::to_string(i), out);
    }
  }
}

} // namespace

TEST_CASE("snapshot_roundtrip") {
  const std::vector<fs::path> fixtures = good_fixtures();
  REQUIRE(fixtures.size() >= 20);

  SUBCASE("load then write gives the same JSON, repairs only where harn makes them") {
    for (const fs::path& path : fixtures) {
      CAPTURE(path.filename().string());
      auto snapshot = reprise::load_snapshot_file(path.string());
      REQUIRE(snapshot.has_value());
      reprise::StringSink sink;
      reprise::write_snapshot(sink, snapshot->to_node());
      const OrderedJson input = OrderedJson::parse(read_bytes(path));
      OrderedJson output;
      REQUIRE_NOTHROW(output = OrderedJson::parse(sink.str()));
      for (const OrderedJson& op : OrderedJson::diff(input, output)) {
        const std::string where = op["path"].get<std::string>();
        CAPTURE(where);
        const bool repaired =
            std::any_of(snapshot->warnings.begin(), snapshot->warnings.end(),
                        [&](const reprise::Warning& w) { return within(where, w.pointer); });
        CHECK_MESSAGE(repaired, "changed without a documented repair");
        if (where == "/status") {
          CHECK(op["value"] == snapshot->status);
        }
        if (where == "/snapshot_path") {
          CHECK(op["value"] == snapshot->path);
        }
      }
      // Members keep their order (diff does not see order).
      std::vector<std::string> before;
      std::vector<std::string> after;
      key_order(input, "", before);
      key_order(output, "", after);
      std::erase_if(before, [&](const std::string& key) {
        return std::find(after.begin(), after.end(), key) == after.end();
      });
      std::erase_if(after, [&](const std::string& key) {
        return std::find(before.begin(), before.end(), key) == before.end();
      });
      CHECK(before == after);
    }
  }

  SUBCASE("unknown members survive, however deep") {
    auto snapshot = reprise::load_snapshot_file(k_snapshots + "good-deep-unknown-members.json");
    REQUIRE(snapshot.has_value());
    reprise::StringSink sink;
    reprise::write_snapshot(sink, snapshot->to_node());
    const OrderedJson output = OrderedJson::parse(sink.str());
    const OrderedJson input =
        OrderedJson::parse(read_bytes(k_snapshots + "good-deep-unknown-members.json"));
    CHECK(output["x_future"] == input["x_future"]);
    CHECK(output["config"]["options"]["x_config_future"] ==
          input["config"]["options"]["x_config_future"]);
    CHECK(output["x_future"]["level1"]["level2"]["level3"]["level4"]["level5"]["level6"]["level7"]
                ["level8"]["level9"]["level10"]["escaped"] == "tab\tquote\"");
  }

  SUBCASE("a file harn wrote and reprise did not change comes back byte for byte") {
    for (const fs::path& path : fixtures) {
      CAPTURE(path.filename().string());
      auto snapshot = reprise::load_snapshot_file(path.string());
      REQUIRE(snapshot.has_value());
      reprise::StringSink sink;
      reprise::write_snapshot(sink, snapshot->to_node());
      const std::string input = read_bytes(path);
      if (OrderedJson::parse(input) == OrderedJson::parse(sink.str())) {
        CHECK(sink.str() == input);
      }
    }
  }
}
