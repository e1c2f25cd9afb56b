#include "app_tree.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace reprise::cli {

namespace {

// Options a user sees (hidden ones have an empty group), the help flag included.
std::vector<const CLI::Option*> visible_options(const CLI::App& app) {
  return app.get_options([](const CLI::Option* option) {
    return option->nonpositional() && !option->get_group().empty();
  });
}

std::vector<const CLI::Option*> positionals(const CLI::App& app) {
  return app.get_options([](const CLI::Option* option) {
    return !option->nonpositional() && !option->get_group().empty();
  });
}

bool takes_value(const CLI::Option& option) {
  return option.get_items_expected_min() > 0;
}

// "--state-dir" and "-q" for every name of `option`.
std::vector<std::string> option_words(const CLI::Option& option) {
  std::vector<std::string> words;
  for (const std::string& name : option.get_snames()) {
    words.push_back("-" + name);
  }
  for (const std::string& name : option.get_lnames()) {
    words.push_back("--" + name);
  }
  return words;
}

std::string join(const std::vector<std::string>& words, std::string_view separator = " ") {
  std::string out;
  for (const std::string& word : words) {
    if (!out.empty()) {
      out += separator;
    }
    out += word;
  }
  return out;
}

std::vector<std::string> all_option_words(const CLI::App& app, bool valued_only) {
  std::vector<std::string> words;
  for (const CLI::Option* option : visible_options(app)) {
    if (valued_only && !takes_value(*option)) {
      continue;
    }
    for (std::string& word : option_words(*option)) {
      words.push_back(std::move(word));
    }
  }
  return words;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Text safe in roff: backslashes doubled as \e, a leading . or ' neutralised, hyphens kept.
std::string roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (const char c : text) {
    if (line_start && (c == '.' || c == '\'')) {
      out += "\\&";
    }
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

std::string option_synopsis(const CLI::Option& option) {
  std::vector<std::string> names;
  for (const std::string& word : option_words(option)) {
    names.push_back(fmt::format("\\fB{}\\fR", roff(word)));
  }
  std::string out = join(names, ", ");
  if (takes_value(option)) {
    const std::string type = option.get_type_name();
    out += fmt::format(" \\fI{}\\fR", roff(type.empty() ? "VALUE" : type));
  }
  return out;
}

void man_options(std::string& out, const CLI::App& app) {
  for (const CLI::Option* option : visible_options(app)) {
    out += fmt::format(".TP\n{}\n{}", option_synopsis(*option), roff(option->get_description()));
    if (!option->get_envname().empty()) {
      out += fmt::format(" (environment: \\fB{}\\fR)", roff(option->get_envname()));
    }
    out += "\n";
  }
}

std::string usage_of(const CLI::App& command) {
  std::string out = fmt::format("reprise {} [OPTIONS]", command.get_name());
  for (const CLI::Option* positional : positionals(command)) {
    const std::string name = positional->get_name();
    out += positional->get_required() ? fmt::format(" {}", name) : fmt::format(" [{}]", name);
  }
  return out;
}

// Single-quoted for zsh or bash: ' becomes '\''.
std::string sh_quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

// Single-quoted for fish: ' and \ escaped.
std::string fish_quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "'";
}

// Commands whose positionals are not worker ids.
bool completes_commands(const CLI::App& command) {
  return command.get_name() == "help";
}
bool completes_shells(const CLI::App& command) {
  return command.get_name() == "completion";
}

std::string bash_script(CLI::App& root) {
  std::vector<std::string> names;
  for (CLI::App* command : visible_commands(root)) {
    names.push_back(command->get_name());
  }
  std::string cases;
  for (CLI::App* command : visible_commands(root)) {
    cases += fmt::format("      {}) opts={}; valued={} ;;\n", command->get_name(),
                         sh_quote(join(all_option_words(*command, false))),
                         sh_quote(join(all_option_words(*command, true))));
  }
  return fmt::format(R"SH(# bash completion for reprise (generated by `reprise completion bash`)
_reprise_ids() {{
  local state=() i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${{COMP_WORDS[i]}} in
      --state-dir) state=(--state-dir "${{COMP_WORDS[i+1]}}") ;;
      --state-dir=*) state=("${{COMP_WORDS[i]}}") ;;
    esac
  done
  "${{COMP_WORDS[0]}}" "${{state[@]}}" list --ids 2>/dev/null
}}

_reprise() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}
  local commands={} global_opts={} global_valued={}
  local cmd="" word skip=0 i opts="" valued=""
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${{COMP_WORDS[i]}}
    if ((skip)); then skip=0; continue; fi
    if [[ -n $cmd && $word == -- ]]; then
      COMPREPLY=($(compgen -c -f -- "$cur")); return 0
    fi
    case " $global_valued $valued " in *" $word "*) skip=1; continue ;; esac
    [[ $word == -* ]] && continue
    if [[ -z $cmd ]]; then
      cmd=$word
      case $cmd in
{}      esac
    fi
  done
  case " $global_valued $valued " in
    *" $prev "*) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts $global_opts" -- "$cur")); return 0
  fi
  case $cmd in
    "") COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
    help) COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
    completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")) ;;
    *) COMPREPLY=($(compgen -W "$(_reprise_ids)" -- "$cur") $(compgen -f -- "$cur")) ;;
  esac
  return 0
}}
complete -F _reprise reprise
)SH",
                     sh_quote(join(names)), sh_quote(join(all_option_words(root, false))),
                     sh_quote(join(all_option_words(root, true))), cases);
}

std::string zsh_script(CLI::App& root) {
  std::string commands;
  std::string cases;
  for (CLI::App* command : visible_commands(root)) {
    commands += fmt::format("    {}\n", sh_quote(fmt::format("{}:{}", command->get_name(),
                                                             command->get_description())));
    cases += fmt::format("      {}) opts=({}); valued=({}) ;;\n", command->get_name(),
                         join(all_option_words(*command, false)),
                         join(all_option_words(*command, true)));
  }
  return fmt::format(R"SH(#compdef reprise
# zsh completion for reprise (generated by `reprise completion zsh`)
_reprise() {{
  local -a commands global_opts global_valued opts valued state ids
  commands=(
{}  )
  global_opts=({})
  global_valued=({})
  local cmd='' word i skip=0
  for (( i = 2; i < CURRENT; i++ )); do
    word=${{words[i]}}
    if (( skip )); then skip=0; continue; fi
    if [[ -n $cmd && $word == -- ]]; then _command_names -e; _files; return; fi
    if [[ $word == --state-dir ]]; then state=(--state-dir ${{words[i+1]}}); fi
    if (( ${{global_valued[(Ie)$word]}} || ${{valued[(Ie)$word]}} )); then skip=1; continue; fi
    [[ $word == -* ]] && continue
    if [[ -z $cmd ]]; then
      cmd=$word
      case $cmd in
{}      esac
    fi
  done
  if (( ${{global_valued[(Ie)${{words[CURRENT-1]}}]}} || ${{valued[(Ie)${{words[CURRENT-1]}}]}} )); then
    _files; return
  fi
  if [[ $PREFIX == -* ]]; then compadd -- $opts $global_opts; return; fi
  case $cmd in
    ''|help) _describe command commands ;;
    completion) compadd bash zsh fish ;;
    *)
      ids=(${{(f)"$(${{words[1]}} $state list --ids 2>/dev/null)"}})
      compadd -a ids
      _files ;;
  esac
}}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _reprise "$@"
else
  compdef _reprise reprise
fi
)SH",
                     commands, join(all_option_words(root, false)),
                     join(all_option_words(root, true)), cases);
}

std::string fish_option(const CLI::Option& option, const std::string& condition) {
  std::string line = "complete -c reprise";
  if (!condition.empty()) {
    line += fmt::format(" -n {}", fish_quote(condition));
  }
  for (const std::string& name : option.get_snames()) {
    line += " -s " + name;
  }
  for (const std::string& name : option.get_lnames()) {
    line += " -l " + name;
  }
  if (takes_value(option)) {
    line += " -r";
  }
  return line + fmt::format(" -d {}\n", fish_quote(option.get_description()));
}

std::string fish_script(CLI::App& root) {
  std::vector<std::string> names;
  for (CLI::App* command : visible_commands(root)) {
    names.push_back(command->get_name());
  }
  const std::string all = join(names);
  std::string out = R"SH(# fish completion for reprise (generated by `reprise completion fish`)
function __reprise_ids
    set -l tokens (commandline -opc)
    set -l state
    for i in (seq (count $tokens))
        if test "$tokens[$i]" = --state-dir; and test $i -lt (count $tokens)
            set state --state-dir $tokens[(math $i + 1)]
        end
    end
    $tokens[1] $state list --ids 2>/dev/null
end
complete -c reprise -f
)SH";
  for (const CLI::Option* option : visible_options(root)) {
    out += fish_option(*option, "");
  }
  std::vector<std::string> with_ids;
  for (CLI::App* command : visible_commands(root)) {
    out += fmt::format("complete -c reprise -n {} -a {} -d {}\n",
                       fish_quote("not __fish_seen_subcommand_from " + all), command->get_name(),
                       fish_quote(command->get_description()));
    const std::string condition = "__fish_seen_subcommand_from " + command->get_name();
    for (const CLI::Option* option : visible_options(*command)) {
      out += fish_option(*option, condition);
    }
    if (completes_commands(*command)) {
      out +=
          fmt::format("complete -c reprise -n {} -a {}\n", fish_quote(condition), fish_quote(all));
    } else if (completes_shells(*command)) {
      out += fmt::format("complete -c reprise -n {} -a 'bash zsh fish'\n", fish_quote(condition));
    } else if (!positionals(*command).empty()) {
      with_ids.push_back(command->get_name());
    }
  }
  if (!with_ids.empty()) {
    const std::string condition = "__fish_seen_subcommand_from " + join(with_ids);
    out +=
        fmt::format("complete -c reprise -n {} -a '(__reprise_ids)' -F\n", fish_quote(condition));
  }
  return out;
}

} // namespace

std::vector<CLI::App*> visible_commands(CLI::App& root) {
  return root.get_subcommands([](CLI::App* command) {
    return !command->get_group().empty() && !command->get_name().empty();
  });
}

std::optional<std::string> first_command_word(CLI::App& root, int argc, char** argv) {
  const auto options = root.get_options();
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word == "--") {
      return std::nullopt;
    }
    if (!word.starts_with('-') || word == "-") {
      return std::string(word);
    }
    if (word.find('=') != std::string_view::npos) {
      continue;
    }
    for (const CLI::Option* option : options) {
      const std::vector<std::string> names = option_words(*option);
      if (std::find(names.begin(), names.end(), word) != names.end() && takes_value(*option)) {
        ++i; // its value
        break;
      }
    }
  }
  return std::nullopt;
}

std::vector<std::string> suggest_commands(CLI::App& root, std::string_view word) {
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (CLI::App* command : visible_commands(root)) {
    const std::string& name = command->get_name();
    const std::size_t distance = edit_distance(word, name);
    if (distance <= 2 || (word.size() >= 2 && name.starts_with(word))) {
      scored.emplace_back(name.starts_with(word) ? 0 : distance, name);
    }
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> names;
  for (auto& [distance, name] : scored) {
    names.push_back(std::move(name));
  }
  return names;
}

std::string exit_status_text() {
  return "Exit status:\n"
         "  0        success\n"
         "  1        diff: A and B differ; wait, relaunch, resume: a worker failed\n"
         "  2        usage: unknown command or option, bad value\n"
         "  65       invalid snapshot (JSON syntax or harn's loader rules)\n"
         "  66       a target or directory does not exist or cannot be read\n"
         "  73       an output cannot be written\n"
         "  75       busy: the worker runs, or another reprise holds its lock\n"
         "  124      --timeout expired\n"
         "  126      COMMAND cannot be executed\n"
         "  127      COMMAND not found\n"
         "  128+N    reprise was ended by signal N (130: Ctrl-C)";
}

void complete_help_footers(CLI::App& root) {
  for (CLI::App* command : visible_commands(root)) {
    std::string footer = command->get_footer();
    while (!footer.empty() && footer.back() == '\n') {
      footer.pop_back();
    }
    if (footer.find("Examples:") == std::string::npos) {
      footer += fmt::format("{}Examples: see 'man reprise' and docs/manual.md",
                            footer.empty() ? "" : "\n\n");
    }
    if (footer.find("Exit status:") == std::string::npos) {
      footer += "\n\n" + exit_status_text();
    }
    command->footer(footer);
  }
  std::string footer =
      "Examples:\n"
      "  reprise list --status failed\n"
      "  reprise show worker_demo\n"
      "  reprise help relaunch\n"
      "  source <(reprise completion bash)\n\n" +
      exit_status_text() +
      "\n\nRun 'reprise help COMMAND' (or 'reprise COMMAND --help') for a command's "
      "options; 'man reprise' for everything.";
  root.footer(footer);
}

std::string man_page(CLI::App& root) {
  std::string out =
      fmt::format(".TH REPRISE 1 \"\" \"reprise {}\" \"User Commands\"\n", REPRISE_VERSION);
  out += ".SH NAME\nreprise \\- replay agent workers from their persisted snapshots\n";
  out += ".SH SYNOPSIS\n.B reprise\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] "
         "[\\fIARGUMENTS\\fR]\n.br\n.B reprise help\n[\\fICOMMAND\\fR]\n";
  out += fmt::format(".SH DESCRIPTION\n{}\n", roff(root.get_description()));
  out += ".PP\nSnapshots are harn's worker snapshots (\\fI.harn/workers/<worker_id>.json\\fR). A "
         "TARGET is a snapshot path, a worker id looked up in the state dir, or \\fB\\-\\fR for "
         "standard input.\n";
  out += ".SH GLOBAL OPTIONS\n";
  man_options(out, root);
  out += ".SH COMMANDS\n";
  for (CLI::App* command : visible_commands(root)) {
    out +=
        fmt::format(".SS \"{}\"\n{}\n.PP\n.nf\n{}\n.fi\n", roff("reprise " + command->get_name()),
                    roff(command->get_description()), roff(usage_of(*command)));
    for (const CLI::Option* positional : positionals(*command)) {
      out += fmt::format(".TP\n\\fI{}\\fR\n{}\n", roff(positional->get_name()),
                         roff(positional->get_description()));
    }
    man_options(out, *command);
    std::string footer = command->get_footer();
    // The full exit-status table is printed once, below.
    if (const std::size_t table = footer.find(exit_status_text()); table != std::string::npos) {
      footer.erase(table);
    }
    while (!footer.empty() && footer.back() == '\n') {
      footer.pop_back();
    }
    if (!footer.empty()) {
      out += fmt::format(".PP\n.nf\n{}\n.fi\n", roff(footer));
    }
  }
  out += fmt::format(".SH EXIT STATUS\n.nf\n{}\n.fi\n",
                     roff(exit_status_text().substr(std::string_view("Exit status:\n").size())));
  out += ".SH ENVIRONMENT\n";
  std::vector<std::pair<std::string, std::string>> variables;
  for (const CLI::Option* option : root.get_options()) {
    if (!option->get_envname().empty()) {
      variables.emplace_back(option->get_envname(), option->get_description());
    }
  }
  for (CLI::App* command : visible_commands(root)) {
    for (const CLI::Option* option : command->get_options()) {
      if (!option->get_envname().empty()) {
        variables.emplace_back(option->get_envname(), option->get_description());
      }
    }
  }
  std::sort(variables.begin(), variables.end());
  variables.erase(std::unique(variables.begin(), variables.end(),
                              [](const auto& a, const auto& b) { return a.first == b.first; }),
                  variables.end());
  for (const auto& [name, description] : variables) {
    out += fmt::format(".TP\n\\fB{}\\fR\n{}\n", roff(name), roff(description));
  }
  out += ".SH FILES\n.TP\n\\fI.harn/workers/<worker_id>.json\\fR\nThe snapshots.\n.TP\n"
         "\\fI<state dir>/.reprise/history/<worker_id>/<n>.json\\fR\nEvery earlier version of a "
         "snapshot reprise replaced.\n";
  out += ".SH SEE ALSO\n\\fBharn\\fR(1), \\fBjq\\fR(1); the manual in docs/manual.md\n";
  return out;
}

std::optional<std::string> completion_script(CLI::App& root, std::string_view shell) {
  if (shell == "bash") {
    return bash_script(root);
  }
  if (shell == "zsh") {
    return zsh_script(root);
  }
  if (shell == "fish") {
    return fish_script(root);
  }
  return std::nullopt;
}

} // namespace reprise::cli
