// A two-second smoke of sockit-bench against sockit's own servers, so the benchmark tool
// keeps working. It measures nothing: speed is for bench/, never for tests.
#include <gtest/gtest.h>

#include "support/server_process.hpp"

namespace sockit::test {
namespace {

TEST(BenchSmoke, EchoAgainstEveryModel) {
  for (const char* model : {"sequential", "threading", "forking", "async"}) {
    SCOPED_TRACE(model);
    ServerProcess server({"echo", "serve", "127.0.0.1:0", "--model", model, "--log-level", "warn"});
    const auto r = run({SOCKIT_BENCH_BINARY, "--json", "echo", "--port", std::to_string(server.port()),
                        "-c", std::string(model) == std::string("sequential") ? "1" : "8",
                        "-d", "0.5"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find(R"("scenario":"echo")"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(R"("errors":0,)"), std::string::npos) << r.out;
  }
}

TEST(BenchSmoke, ChatFanOut) {
  ServerProcess server({"chat", "serve", "--tcp", "127.0.0.1:0", "--http", "none", "--data", "none", "--rate",
                        "100000", "--burst", "100000", "--log-level", "warn"});
  const auto r = run({SOCKIT_BENCH_BINARY, "--json", "chat", "--port", std::to_string(server.port()),
                      "--subscribers", "20", "--rate", "50", "-d", "0.5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("scenario":"chat")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("errors":0,)"), std::string::npos) << r.out;
}

TEST(BenchSmoke, BulkEcho) {
  ServerProcess server({"echo", "serve", "127.0.0.1:0", "--model", "async", "--log-level", "warn"});
  const auto r = run({SOCKIT_BENCH_BINARY, "--json", "echo", "--bulk", "--port", std::to_string(server.port()),
                      "--pid", std::to_string(server.child().pid()), "-c", "2", "-s", "65536", "-d", "0.5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("scenario":"bulk")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("errors":0,)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(R"("server_cpu_us_per_mib":-)"), std::string::npos) << r.out;  // measured
}

TEST(BenchSmoke, ChatRoomsAckPaced) {
  ServerProcess server({"chat", "serve", "--tcp", "127.0.0.1:0", "--http", "none", "--data", "none",
                        "--rate", "100000", "--burst", "100000", "--log-level", "warn"});
  const auto r = run({SOCKIT_BENCH_BINARY, "--json", "chat", "--port", std::to_string(server.port()),
                      "--rooms", "3", "--subscribers", "12", "--publishers", "3", "--rate", "0",
                      "-d", "0.5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("errors":0,)"), std::string::npos) << r.out;
}

TEST(BenchSmoke, IdleConnections) {
  ServerProcess server({"chat", "serve", "--tcp", "127.0.0.1:0", "--http", "none", "--data", "none",
                        "--log-level", "warn"});
  const auto r = run({SOCKIT_BENCH_BINARY, "--json", "conns", "--port", std::to_string(server.port()),
                      "-c", "200", "--pid", std::to_string(server.child().pid())});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("connections":200,"errors":0)"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace sockit::test
