#include "diff/diff_format.hpp"

#include "base/text.hpp"
#include "diff/json_patch.hpp"

#include "json/json_scan.hpp"
#include <fmt/color.h>
#include <fmt/format.h>

namespace reprise {

namespace {

constexpr std::size_t k_value_excerpt = 60;
constexpr std::size_t k_listed_fields = 4;

std::string value_excerpt(std::string_view bytes) {
  return shorten_characters(minify_json(bytes), k_value_excerpt);
}

class Painter {
public:
  explicit Painter(Color color) : m_color(color == Color::on) {}
  std::string paint(std::string_view text, fmt::text_style style) const {
    return m_color ? fmt::format(style, "{}", text) : std::string(text);
  }
  std::string mark(ChangeKind change) const {
    switch (change) {
    case ChangeKind::added:
      return paint("+", fmt::fg(fmt::terminal_color::green));
    case ChangeKind::removed:
      return paint("-", fmt::fg(fmt::terminal_color::red));
    case ChangeKind::changed:
      break;
    }
    return paint("~", fmt::fg(fmt::terminal_color::yellow));
  }

private:
  bool m_color;
};

const char* change_name(ChangeKind change) {
  switch (change) {
  case ChangeKind::added:
    return "added";
  case ChangeKind::removed:
    return "removed";
  case ChangeKind::changed:
    break;
  }
  return "changed";
}

const char* kind_name(EntryKind kind) {
  switch (kind) {
  case EntryKind::artifact:
    return "artifact";
  case EntryKind::message:
    return "message";
  case EntryKind::event:
    return "event";
  case EntryKind::element:
    return "element";
  case EntryKind::value:
    break;
  }
  return "value";
}

// Where an element sits: its pointer, and its index in B when that differs.
std::string where(const DiffEntry& entry) {
  if (entry.change == ChangeKind::changed && entry.index_a && entry.index_b &&
      *entry.index_a != *entry.index_b) {
    return fmt::format("{} (now {})", entry.pointer, *entry.index_b);
  }
  return entry.pointer;
}

std::string fields_list(const DiffEntry& entry) {
  std::string out;
  for (std::size_t i = 0; i < entry.fields.size() && i < k_listed_fields; ++i) {
    out += i == 0 ? "" : ", ";
    out += entry.fields[i].empty() ? std::string("(whole)") : entry.fields[i];
  }
  if (entry.fields.size() > k_listed_fields) {
    out += fmt::format(" and {} more", entry.fields.size() - k_listed_fields);
  }
  return out;
}

// The line of `entry` after its mark; as the snapshots' own text, to be escaped.
std::string entry_text(const DiffEntry& entry) {
  switch (entry.kind) {
  case EntryKind::value:
    if (entry.change == ChangeKind::added) {
      return fmt::format("{}: {}", entry.pointer, value_excerpt(entry.after));
    }
    if (entry.change == ChangeKind::removed) {
      return fmt::format("{}: {}", entry.pointer, value_excerpt(entry.before));
    }
    return fmt::format("{}: {} → {}", entry.pointer, value_excerpt(entry.before),
                       value_excerpt(entry.after));
  case EntryKind::message:
  case EntryKind::event: {
    std::string line = where(entry);
    if (!entry.id.empty() && entry.kind == EntryKind::event) {
      line += fmt::format("  {}", entry.id);
    }
    line += fmt::format("  {}:", entry.label.empty() ? "(no role)" : entry.label);
    if (entry.change == ChangeKind::added) {
      return line + fmt::format(" {}", json::quote(entry.excerpt_b));
    }
    if (entry.change == ChangeKind::removed) {
      return line + fmt::format(" {}", json::quote(entry.excerpt_a));
    }
    if (entry.excerpt_a != entry.excerpt_b) {
      return line +
             fmt::format(" {} → {}", json::quote(entry.excerpt_a), json::quote(entry.excerpt_b));
    }
    return line +
           fmt::format(" {} (changed: {})", json::quote(entry.excerpt_b), fields_list(entry));
  }
  case EntryKind::artifact:
  case EntryKind::element: {
    std::string line = where(entry);
    if (!entry.id.empty()) {
      line += fmt::format("  {}", entry.id);
    }
    if (!entry.label.empty()) {
      line += fmt::format("  {}", entry.label);
    }
    if (!entry.title.empty()) {
      line += fmt::format("  {}", json::quote(entry.title));
    }
    if (entry.change == ChangeKind::changed) {
      line += fmt::format("  (changed: {})", fields_list(entry));
    }
    return line;
  }
  }
  return {};
}

} // namespace

void write_diff_text(const DiffResult& diff, Color color, Sink& out) {
  const Painter painter(color);
  for (std::size_t s = 0; s < k_section_count; ++s) {
    if (diff.per_section[s] == 0) {
      continue;
    }
    const auto section = static_cast<Section>(s);
    out.append(painter.paint(section_title(section), fmt::emphasis::bold));
    out.append("\n");
    for (const DiffEntry& entry : diff.entries) {
      if (entry.section == section) {
        // Keys, ids and labels come from the snapshots: escaped, so they never drive the terminal.
        out.append(
            fmt::format("  {} {}", painter.mark(entry.change), escape_control(entry_text(entry))));
        out.append("\n");
      }
    }
  }
  std::string summary;
  if (diff.entries.empty()) {
    summary = "no differences";
  } else {
    std::string parts;
    for (std::size_t s = 0; s < k_section_count; ++s) {
      if (diff.per_section[s] != 0) {
        parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ",
                             section_title(static_cast<Section>(s)), diff.per_section[s]);
      }
    }
    summary = fmt::format("{} difference{} ({})", diff.entries.size(),
                          diff.entries.size() == 1 ? "" : "s", parts);
  }
  if (diff.ignored > 0) {
    summary += fmt::format("; {} volatile or ignored difference{} not shown", diff.ignored,
                           diff.ignored == 1 ? "" : "s");
  }
  out.append(painter.paint(summary, fmt::emphasis::bold));
  out.append("\n");
}

void write_diff_json(const DiffResult& diff, std::string_view name_a, std::string_view name_b,
                     Sink& out) {
  JsonNode root = JsonNode::object();
  root.set_value("a", std::string(name_a));
  root.set_value("b", std::string(name_b));
  root.set_value("different", diff.different());
  root.set_value("differences", diff.entries.size());
  root.set_value("ignored", diff.ignored);
  OrderedJson sections = OrderedJson::object();
  for (std::size_t s = 0; s < k_section_count; ++s) {
    sections[section_name(static_cast<Section>(s))] = diff.per_section[s];
  }
  root.set_value("sections", std::move(sections));
  JsonNode list = JsonNode::array();
  for (const DiffEntry& entry : diff.entries) {
    JsonNode item = JsonNode::object();
    item.set_value("section", section_name(entry.section));
    item.set_value("kind", kind_name(entry.kind));
    item.set_value("change", change_name(entry.change));
    item.set_value("pointer", entry.pointer);
    if (entry.kind == EntryKind::value) {
      if (!entry.before.empty()) {
        item.set("before", JsonNode::raw(entry.before));
      }
      if (!entry.after.empty()) {
        item.set("after", JsonNode::raw(entry.after));
      }
    } else {
      if (entry.index_a) {
        item.set_value("index_a", *entry.index_a);
      }
      if (entry.index_b) {
        item.set_value("index_b", *entry.index_b);
      }
      if (!entry.id.empty()) {
        item.set_value("id", entry.id);
      }
      if (!entry.label.empty()) {
        item.set_value("label", entry.label);
      }
      if (!entry.title.empty()) {
        item.set_value("title", entry.title);
      }
      if (entry.kind == EntryKind::message || entry.kind == EntryKind::event) {
        if (!entry.before.empty()) {
          item.set_value("excerpt_a", entry.excerpt_a);
        }
        if (!entry.after.empty()) {
          item.set_value("excerpt_b", entry.excerpt_b);
        }
      }
      if (entry.change == ChangeKind::changed) {
        item.set_value("fields", entry.fields);
      }
    }
    list.elements().push_back(std::move(item));
  }
  root.set("changes", std::move(list));
  root.write(out);
  out.append("\n");
}

void write_divergence_text(const std::optional<Divergence>& divergence, Color color, Sink& out) {
  const Painter painter(color);
  if (!divergence) {
    out.append("the transcripts do not diverge\n");
    return;
  }
  out.append(
      painter.paint(fmt::format("first divergence at /transcript/messages/{}", divergence->index),
                    fmt::emphasis::bold));
  out.append("\n");
  auto side = [&](std::string_view name, const std::optional<MessageSide>& message,
                  fmt::text_style style) {
    if (!message) {
      out.append(fmt::format("{}: (no message)\n", painter.paint(name, style)));
      return;
    }
    out.append(fmt::format("{} ({}):\n", painter.paint(name, style),
                           message->role.empty() ? "no role" : escape_control(message->role)));
    std::string_view text = message->text;
    std::string fallback;
    if (text.empty() && !message->content.empty()) {
      fallback = minify_json(message->content);
      text = fallback;
    }
    // Each line of the content, indented, so multi-line messages stay readable.
    std::size_t pos = 0;
    while (pos <= text.size()) {
      const std::size_t newline = text.find('\n', pos);
      const std::string_view line = text.substr(
          pos, newline == std::string_view::npos ? std::string_view::npos : newline - pos);
      out.append(fmt::format("  {}\n", escape_control(line, true)));
      if (newline == std::string_view::npos) {
        break;
      }
      pos = newline + 1;
    }
  };
  side("A", divergence->a, fmt::fg(fmt::terminal_color::red));
  side("B", divergence->b, fmt::fg(fmt::terminal_color::green));
}

void write_divergence_json(const std::optional<Divergence>& divergence, Sink& out) {
  JsonNode root = JsonNode::object();
  root.set_value("diverges", divergence.has_value());
  if (divergence) {
    root.set_value("index", divergence->index);
    root.set_value("pointer", fmt::format("/transcript/messages/{}", divergence->index));
    auto side = [](const std::optional<MessageSide>& message) {
      if (!message) {
        return JsonNode::value(nullptr);
      }
      JsonNode node = JsonNode::object();
      node.set_value("role", message->role);
      node.set("content", message->content.empty() ? JsonNode::value(nullptr)
                                                   : JsonNode::raw(message->content));
      node.set_value("text", message->text);
      return node;
    };
    root.set("a", side(divergence->a));
    root.set("b", side(divergence->b));
  }
  root.write(out);
  out.append("\n");
}

} // namespace reprise
