// `sockit shop`: the tutorial's dialogue with its own kind of Python client, many buyers at
// once on one stock, persistence across restarts, and bad lines.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "support/idle_clients.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace sockit::test {
namespace {


TEST(Shop, TheTutorialsDialogue) {
  ServerProcess shop({"shop", "serve", "127.0.0.1:0", "--data", "none"});
  // Written as the tutorial writes its clients: send() without a newline, then recv(1024).
  const auto r = run_python(R"(
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(('127.0.0.1', int(sys.argv[1])))
print(s.recv(1024).decode().strip())
for cmd in ['红牛', '西瓜', '拜拜']:
    s.send(cmd.encode())
    print(s.recv(1024).decode().strip())
print(repr(s.recv(1024)))
)",
                            {std::to_string(shop.port())});
  EXPECT_EQ(r.out,
            "目前商店还有:瓜子(4.5),西瓜(2),矿泉水(2.5)。请问您需要什么?\n"
            "抱歉,您购买的商品目前没有,请选购其他的。\n"
            "购买成功,余额 8\n"
            "欢迎下次光临\n"
            "b''\n")
      << r.err;
  EXPECT_EQ(shop.stop(), 0);
}

TEST(Shop, IdleCrowdMakesRoomForACustomer) {
  // 40 visitors who never say a word, 20 served at once: the longest idle are shown out,
  // and a customer is served at once, not after the 300 s idle timeout.
  ServerProcess shop({"shop", "serve", "127.0.0.1:0", "--data", "none", "--max-clients", "20"});
  auto crowd = idle_clients(shop.port(), 40);
  const auto r = run_python(R"(
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=3)
print(s.recv(1024).decode().strip())
s.send('西瓜'.encode())
print(s.recv(1024).decode().strip())
)",
                            {std::to_string(shop.port())});
  EXPECT_EQ(r.out, "目前商店还有:瓜子(4.5),西瓜(2),矿泉水(2.5)。请问您需要什么?\n购买成功,余额 8\n")
      << r.err;
  crowd.clear();  // so the stop need not wait out its grace for them
  EXPECT_EQ(shop.stop(), 0);
}

TEST(Shop, EnglishKeywordsAndBalanceNeverNegative) {
  ServerProcess shop({"shop", "serve", "127.0.0.1:0", "--data", "none", "--balance", "5"});
  const auto r = run_sockit({"shop", "connect", shop.address()},
                            "list\nbuy 瓜子\nbalance\nbuy 瓜子\nbye\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("购买成功,余额 0.5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("余额不足"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("欢迎下次光临"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("余额 -"), std::string::npos) << r.out;
}

TEST(Shop, FiftyBuyersTenInStockExactlyTenSucceed) {
  const TempDir tmp("sockit-shop");
  const auto& dir = tmp.path();
  std::ofstream(dir / "catalog.csv") << "name,price,stock\n西瓜,2,10\n矿泉水,2.5,100\n";
  ServerProcess shop({"shop", "serve", "127.0.0.1:0", "--data", (dir / "data").string(),
                      "--catalog", (dir / "catalog.csv").string(), "--max-clients", "64"});
  const auto r = run_python(R"(
import socket, sys, threading, sqlite3
port, db = int(sys.argv[1]), sys.argv[2]
results = []
lock = threading.Lock()
def buyer():
    s = socket.create_connection(('127.0.0.1', port), timeout=20)
    f = s.makefile('rwb')
    f.readline()
    f.write('西瓜\n'.encode()); f.flush()
    answer = f.readline().decode()
    with lock:
        results.append(answer.startswith('购买成功'))
    s.close()
threads = [threading.Thread(target=buyer) for _ in range(50)]
for t in threads: t.start()
for t in threads: t.join()
con = sqlite3.connect(db)
orders = con.execute("select count(*) from orders where item = '西瓜'").fetchone()[0]
stock = con.execute("select stock from items where name = '西瓜'").fetchone()[0]
print(len(results), sum(results), orders, stock)
)",
                            {std::to_string(shop.port()), (dir / "data" / "shop.db").string()});
  EXPECT_EQ(r.out, "50 10 10 0\n") << r.err;
  EXPECT_EQ(shop.stop(), 0);
}

TEST(Shop, RestartKeepsStockAndOrders) {
  const TempDir tmp("sockit-shop");
  const auto& dir = tmp.path();
  std::ofstream(dir / "catalog.json") << R"([{"name":"瓜子","price":4.5,"stock":1}])";
  const std::vector<std::string> args{"shop",   "serve",     "127.0.0.1:0",
                                      "--data", (dir / "data").string(), "--catalog",
                                      (dir / "catalog.json").string()};
  {
    ServerProcess shop(args);
    const auto r = run_sockit({"shop", "connect", shop.address()}, "瓜子\n拜拜\n");
    EXPECT_NE(r.out.find("购买成功"), std::string::npos) << r.out;
    EXPECT_EQ(shop.stop(SIGINT), 0);
  }
  ServerProcess again(args);
  const auto r = run_sockit({"shop", "connect", again.address()}, "瓜子\n拜拜\n");
  EXPECT_EQ(r.out.find("购买成功"), std::string::npos) << r.out;  // the one left was sold
  EXPECT_NE(r.out.find("卖完"), std::string::npos) << r.out;
  EXPECT_EQ(again.stop(), 0);
}

TEST(Shop, BadLinesGetOneClearLineAndTheVisitGoesOn) {
  ServerProcess shop({"shop", "serve", "127.0.0.1:0", "--data", "none"});
  const auto r = run_python(R"(
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
f = s.makefile('rwb')
f.readline()
for line in [b'\n', b'x' * 5000 + b'\n', b'\xff\xfe\n', b'nonsense\n', '西瓜\n'.encode()]:
    f.write(line); f.flush()
    print(f.readline().decode().strip() != '')
f.write('西瓜\n'.encode()); f.flush()
print(f.readline().decode().strip())
)",
                            {std::to_string(shop.port())});
  EXPECT_EQ(r.out, "True\nTrue\nTrue\nTrue\nTrue\n购买成功,余额 6\n") << r.err;
  EXPECT_EQ(shop.stop(), 0);
}

TEST(Shop, IdleCustomerIsShownTheDoor) {
  ServerProcess shop({"shop", "serve", "127.0.0.1:0", "--data", "none", "--idle-timeout", "0.3"});
  const auto r = run_python(R"(
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
f = s.makefile('rb')
f.readline()
print(f.readline().decode().strip()); print(f.read() == b'')
)",
                            {std::to_string(shop.port())});
  EXPECT_EQ(r.out, "您很久没有操作了,再见。\nTrue\n") << r.err;
}

TEST(Shop, BadCatalogIsAUsageError) {
  const TempDir tmp("sockit-shop");
  const auto& dir = tmp.path();
  std::ofstream(dir / "catalog.csv") << "name,price,stock\n西瓜,-2,10\n";
  const auto r = run_sockit({"shop", "serve", "127.0.0.1:0", "--data", "none", "--catalog",
                             (dir / "catalog.csv").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("sockit: "), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sockit::test
