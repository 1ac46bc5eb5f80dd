// An HTTP GET: the body to stdout, following redirects; the exit code says whether it was 2xx.
//   http_get http://127.0.0.1:8082/index.html
#include <cstdio>
#include <iostream>

#include "sockit/http/client.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: http_get URL\n";
    return 2;
  }
  sockit::http::GetOptions options;
  options.follow = true;
  return sockit::http::get(argv[1], options, stdout);
}
