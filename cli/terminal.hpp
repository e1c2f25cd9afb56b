#pragma once

#include "global_options.hpp"

#include <cstddef>
#include <string>
#include <string_view>

// Terminal manners: the pager, display widths, and text from snapshots made safe to print.
namespace reprise::cli {

// Sends standard output through $PAGER (`less -FRX` when unset; LESS=FRX is set for less when
// LESS is unset) when it is a terminal, unless --no-pager, TERM=dumb or PAGER is empty or "cat".
// The pager is waited for by finish_pager (main calls it after the command).
void start_pager(const GlobalOptions& global);
void finish_pager();

// Columns on the terminal at `fd`, else $COLUMNS, else 0 (unknown: do not fit).
std::size_t terminal_columns(int fd, const GlobalOptions& global);

// Columns `text` takes on a terminal (UTF-8; wide CJK and emoji count 2, combining marks 0;
// an invalid byte counts as its escape would).
std::size_t display_width(std::string_view text);

// `text` cut to at most `width` columns, with "…" when cut.
std::string fit_display_width(std::string_view text, std::size_t width);

} // namespace reprise::cli
