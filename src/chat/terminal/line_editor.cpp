#include "chat/terminal/line_editor.hpp"

#include <editline/readline.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "sockit/core/error.hpp"

namespace sockit::chat {
namespace {

LineEditor* current = nullptr;  // libedit calls back into functions without a context
constexpr int kHistoryLines = 1000;

FILE* open_stream(int fd, const char* mode) {
  const int copy = ::dup(fd);
  if (copy < 0) throw_errno("dup");
  FILE* f = ::fdopen(copy, mode);
  if (!f) {
    ::close(copy);
    throw_errno("fdopen");
  }
  return f;
}

// Terminal columns `text` takes (CJK characters two each); bytes that are not UTF-8 count one.
int columns(std::string_view text) {
  std::mbstate_t state{};
  int width = 0;
  for (std::size_t i = 0; i < text.size();) {
    wchar_t c = 0;
    const std::size_t n = std::mbrtowc(&c, text.data() + i, text.size() - i, &state);
    if (n == static_cast<std::size_t>(-1) || n == static_cast<std::size_t>(-2) || n == 0) {
      state = {};
      ++width;
      ++i;
      continue;
    }
    width += std::max(::wcwidth(c), 0);
    i += n;
  }
  return width;
}

}  // namespace

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("write output");
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

LineEditor::LineEditor(int in_fd, int out_fd, std::string history_file, Completer complete)
    : in_(nullptr), out_(nullptr), out_fd_(out_fd), history_file_(std::move(history_file)),
      complete_(std::move(complete)) {
  if (current) throw std::logic_error("one LineEditor at a time");
  in_ = open_stream(in_fd, "r");
  out_ = open_stream(out_fd, "w");
  current = this;
  rl_instream = in_;
  rl_outstream = out_;
  rl_readline_name = "sockit";
  rl_catch_signals = 0;  // the client takes SIGINT and SIGWINCH itself
  rl_attempted_completion_function = on_complete;
  rl_completer_word_break_characters = const_cast<char*>(" \t");
  stifle_history(kHistoryLines);
  if (!history_file_.empty()) read_history(history_file_.c_str());  // none yet is fine
  install();
}

LineEditor::~LineEditor() {
  rl_callback_handler_remove();  // the terminal as it was
  if (!history_file_.empty()) {
    write_history(history_file_.c_str());
    ::chmod(history_file_.c_str(), 0600);  // what one typed is one's own
  }
  current = nullptr;
  std::fclose(in_);
  std::fclose(out_);
}

void LineEditor::install() { rl_callback_handler_install(prompt_.c_str(), on_line); }

void LineEditor::set_prompt(const std::string& prompt) {
  if (prompt == prompt_) return;
  prompt_ = prompt;
  rl_set_prompt(prompt_.c_str());
}

void LineEditor::read() { rl_callback_read_char(); }

std::vector<std::string> LineEditor::take_lines() { return std::exchange(lines_, {}); }

void LineEditor::print(std::string_view line) {
  std::fflush(out_);
  write_all(out_fd_, "\r\33[K");  // the prompt and the typed text go; the line takes their place
  write_all(out_fd_, line);
  write_all(out_fd_, "\n");
  rl_forced_update_display();  // prompt and typed text again, cursor where it was
  std::fflush(out_);
}

void LineEditor::resized() { rl_resize_terminal(); }

void LineEditor::erase_last_line() {
  if (last_rows_ <= 0) return;
  std::fflush(out_);
  write_all(out_fd_, "\r\33[" + std::to_string(last_rows_) + "A\33[J");  // up, clear below
  last_rows_ = 0;
  rl_forced_update_display();
  std::fflush(out_);
}

// A finished line (or nullptr: end of input). libedit leaves its key-by-key mode after a
// line, so the handler is installed again for the next one.
void LineEditor::on_line(char* line) {
  LineEditor& self = *current;
  if (!line) {
    self.ended_ = true;
    return;
  }
  std::string text(line);
  std::free(line);
  int rows = 0, cols = 0;
  rl_get_screen_size(&rows, &cols);
  self.last_rows_ = cols > 0 ? (columns(self.prompt_) + columns(text)) / cols + 1 : 0;
  if (!text.empty() && text != self.last_added_) {
    add_history(text.c_str());
    self.last_added_ = text;
  }
  self.lines_.push_back(std::move(text));
  self.install();
}

char** LineEditor::on_complete(const char* text, int start, int) {
  LineEditor& self = *current;
  rl_attempted_completion_over = 1;  // never file names
  const std::string_view before(rl_line_buffer, static_cast<std::size_t>(start));
  self.matches_ = self.complete_(before, text);
  return self.matches_.empty() ? nullptr : rl_completion_matches(text, next_match);
}

// libedit asks for the matches one by one and frees them.
char* LineEditor::next_match(const char*, int state) {
  const auto& matches = current->matches_;
  const auto i = static_cast<std::size_t>(state);
  return i < matches.size() ? ::strdup(matches[i].c_str()) : nullptr;
}

std::string chat_history_file() {
  namespace fs = std::filesystem;
  fs::path dir;
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state == '/') {
    dir = fs::path(state) / "sockit";
  } else if (const char* home = std::getenv("HOME"); home && *home == '/') {
    dir = fs::path(home) / ".local" / "state" / "sockit";
  } else {
    return {};
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return {};
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  return (dir / "chat_history").string();
}

}  // namespace sockit::chat
