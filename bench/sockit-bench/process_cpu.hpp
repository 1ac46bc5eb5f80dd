// The CPU time a process has used, from /proc/PID/stat: what a server spends per operation
// does not depend on how fast the load generator sharing its cores is.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace sockit::bench {

/// utime + stime of `pid` in seconds; -1 when it cannot be read. Thread safe.
inline double process_cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return -1;
  const auto close = line.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return -1;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // fields 14 and 15 (1-based)
    if (i == 14) utime = std::stoll(field);
    if (i == 15) stime = std::stoll(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

/// The CPU seconds of all `pids` together. Thread safe.
inline double cpu_seconds(const std::vector<int>& pids) {
  double sum = 0;
  for (const int pid : pids) sum += process_cpu_seconds(pid);
  return sum;
}

}  // namespace sockit::bench
