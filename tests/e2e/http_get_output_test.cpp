// `sockit http get -o PATH` writes through what PATH is, as curl does: a character device
// (/dev/null) or a FIFO is written, never replaced by a file; a symlink's target gets the body
// and the link stays; "-" is stdout; a regular file is replaced when complete, keeping its mode.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace sockit::test {
namespace {

namespace fs = std::filesystem;

std::string body_of(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i * 7 % 26);
  return s;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

struct stat stat_of(const fs::path& p, bool follow = true) {
  struct stat st {};
  const int rc = follow ? ::stat(p.c_str(), &st) : ::lstat(p.c_str(), &st);
  EXPECT_EQ(rc, 0) << p;
  return st;
}

// Everything a FIFO carries until its writer closes it, read on a thread; at most 20 s. The
// FIFO is opened without blocking first, so a writer that never comes cannot hang the test.
class FifoReader {
 public:
  explicit FifoReader(const fs::path& fifo)
      : fd_(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)) {
    thread_ = std::thread([this] { drain(); });
  }
  ~FifoReader() {
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  bool opened() const { return fd_ >= 0; }
  // Waits for the writer's close; what was read, and whether it ended (not timed out).
  std::pair<std::string, bool> take() {
    thread_.join();
    return {data_, ended_};
  }

 private:
  void drain() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    char buf[65536];
    while (fd_ >= 0 && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      // Linux reports no hang-up before a first writer has come: this waits for it.
      if (::poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n > 0) data_.append(buf, static_cast<std::size_t>(n));
      if (n == 0) return void(ended_ = true);  // the writer closed it
      if (n < 0 && errno != EAGAIN && errno != EINTR) return;
    }
  }
  int fd_;
  std::string data_;
  bool ended_ = false;
  std::thread thread_;
};

class HttpGetOutput : public ::testing::Test {
 protected:
  void SetUp() override {
    site.write("big.bin", body);
    server = std::make_unique<ServerProcess>(std::vector<std::string>{
        "http", "serve", site.path().string(), "--listen", "127.0.0.1:0", "--quiet"});
    url = "http://" + server->address() + "/big.bin";
  }
  const std::string body = body_of(1u << 20);  // more than a pipe holds: the reader must drain
  TempDir site{"sockit-get-site"};
  TempDir out{"sockit-get-out"};
  std::unique_ptr<ServerProcess> server;
  std::string url;
};

TEST_F(HttpGetOutput, DevNullStaysACharacterDevice) {
  const auto r = run_sockit({"http", "get", url, "-o", "/dev/null"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto st = stat_of("/dev/null", false);
  const bool intact = S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
  if (!intact && ::geteuid() == 0) {  // the bug is back: give the machine its /dev/null again
    ::unlink("/dev/null");
    ::mknod("/dev/null", S_IFCHR | 0666, makedev(1, 3));
    ::chmod("/dev/null", 0666);
  }
  EXPECT_TRUE(intact) << "/dev/null was replaced by a file";
  for (const auto& e : fs::directory_iterator("/dev")) {  // and no temporary file left there
    EXPECT_EQ(e.path().filename().string().find(".null.sockit-"), std::string::npos) << e.path();
  }
}

TEST_F(HttpGetOutput, AFifoIsWrittenThroughAndStaysAFifo) {
  const auto fifo = out.path() / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  FifoReader reader(fifo);
  ASSERT_TRUE(reader.opened());
  const auto r = run_sockit({"http", "get", url, "-o", fifo.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto [data, ended] = reader.take();
  EXPECT_TRUE(ended);
  EXPECT_EQ(data.size(), body.size());
  EXPECT_TRUE(data == body);
  EXPECT_TRUE(S_ISFIFO(stat_of(fifo, false).st_mode));
}

TEST_F(HttpGetOutput, ASymlinksTargetGetsTheBodyAndTheLinkStays) {
  out.write("real.bin", "old content");
  fs::create_symlink("real.bin", out.path() / "link.bin");  // relative, as most links are
  const auto r = run_sockit({"http", "get", url, "-o", out / "link.bin"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(out.path() / "link.bin"));
  EXPECT_EQ(fs::read_symlink(out.path() / "link.bin"), "real.bin");
  EXPECT_TRUE(slurp(out.path() / "real.bin") == body);
  // A dangling link: its target is created, the link stays.
  fs::create_symlink("sub/new.bin", out.path() / "dangling");
  fs::create_directories(out.path() / "sub");
  const auto created = run_sockit({"http", "get", url, "-o", out / "dangling"});
  EXPECT_EQ(created.exit_code, 0) << created.err;
  EXPECT_TRUE(fs::is_symlink(out.path() / "dangling"));
  EXPECT_TRUE(slurp(out.path() / "sub/new.bin") == body);
  EXPECT_EQ(std::distance(fs::directory_iterator(out.path()), {}), 4);  // no temporary left
}

TEST_F(HttpGetOutput, AnExistingFileKeepsItsModeAndANewOneFollowsTheUmask) {
  const auto file = out.write("kept.bin", "old");
  ASSERT_EQ(::chmod(file.c_str(), 0640), 0);
  const auto r = run_sockit({"http", "get", url, "-o", file.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(slurp(file) == body);
  const auto st = stat_of(file);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_uid, ::geteuid());
  const mode_t mask = ::umask(022);
  ::umask(mask);
  const auto fresh = out.path() / "fresh.bin";
  EXPECT_EQ(run_sockit({"http", "get", url, "-o", fresh.string()}).exit_code, 0);
  EXPECT_EQ(stat_of(fresh).st_mode & 0777, 0666u & ~mask);
  // A failed download leaves the existing file as it was.
  const auto missing = run_sockit({"http", "get", url + ".nope", "-o", file.string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(slurp(file) == body);
  EXPECT_EQ(std::distance(fs::directory_iterator(out.path()), {}), 2);
}

TEST_F(HttpGetOutput, DashIsStdoutAndADirectoryIsRefused) {
  const auto r = run_sockit({"http", "get", url, "-o", "-"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == body);
  EXPECT_FALSE(fs::exists(fs::current_path() / "-"));
  const auto dir = run_sockit({"http", "get", url, "-o", out.path().string()});
  EXPECT_EQ(dir.exit_code, 1);
  EXPECT_NE(dir.err.find("Is a directory"), std::string::npos) << dir.err;
}

}  // namespace
}  // namespace sockit::test
