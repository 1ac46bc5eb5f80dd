// Internal: the terminal client's line editing, on libedit (its readline interface, fed one
// keypress at a time so that the client's poll loop stays in charge): cursor keys, Home/End,
// Ctrl-A/E/W/U/K, UTF-8 and double-width (CJK) characters, history with Up/Down kept in a file,
// Tab completion. Lines from elsewhere are printed above the line being typed, which is drawn
// again as it was.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sockit::chat {

/// Not thread safe; one at a time in a process (libedit's readline interface is global).
class LineEditor {
 public:
  /// Completions of `word` (the word before the cursor), given `before` (the line before it).
  using Completer = std::function<std::vector<std::string>(std::string_view before, std::string_view word)>;

  /// Takes over the terminal `in_fd`/`out_fd` until destroyed. `history_file` (may be empty:
  /// none) is read now and written when destroyed. Throws std::logic_error if another
  /// LineEditor exists.
  LineEditor(int in_fd, int out_fd, std::string history_file, Completer complete);
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  void set_prompt(const std::string& prompt);
  /// Call when the input is readable: takes the keys that came. Finished lines are in lines().
  void read();
  /// The lines finished since the last call.
  std::vector<std::string> take_lines();
  /// Ctrl-D on an empty line, or the end of the input.
  bool ended() const noexcept { return ended_; }
  /// Prints `line` above the line being typed, which is drawn again below it.
  void print(std::string_view line);
  /// Takes the last finished line off the screen (it will be shown another way).
  void erase_last_line();
  /// The terminal was resized (SIGWINCH).
  void resized();

 private:
  static void on_line(char* line);
  static char** on_complete(const char* text, int start, int end);
  static char* next_match(const char* text, int state);
  void install();

  FILE* in_;
  FILE* out_;
  int out_fd_;
  std::string history_file_;
  Completer complete_;
  std::string prompt_;
  std::vector<std::string> lines_;
  std::vector<std::string> matches_;  // of the completion under way
  std::string last_added_;            // to history: the same line twice is kept once
  int last_rows_ = 0;                 // terminal rows the last finished line took
  bool ended_ = false;
};

/// Writes all of `text` to `fd` (a terminal or a pipe), retrying short writes. Throws
/// std::system_error.
void write_all(int fd, std::string_view text);

/// Where the client keeps typed lines: $XDG_STATE_HOME/sockit/chat_history, else
/// ~/.local/state/sockit/chat_history (the folder is made, mode 0700). Empty when there is no
/// home.
std::string chat_history_file();

}  // namespace sockit::chat
