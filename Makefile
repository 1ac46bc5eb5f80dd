# The two commands of the README: `make run` and `make test`.
# Both install any missing Debian package first (apt-get; through sudo when not root).

# What building and running needs (`make run`), and what only the tests need on top.
BUILD_PACKAGES := g++ cmake ninja-build ccache pkg-config netbase \
                  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev \
                  libssl-dev libsqlite3-dev libicu-dev libcli11-dev libfmt-dev libspdlog-dev \
                  libhiredis-dev liburing-dev libedit-dev libpcap-dev
# `make package` (and so `make test`, which builds and installs the package) and `make docs`.
# dpkg-shlibdeps (cpack) calls `file`; tools/check-package's `systemd-analyze verify` runs
# `man` for the unit's Documentation= (systemd itself comes with chromium).
PACKAGE_PACKAGES := help2man dpkg-dev file man-db
DOCS_PACKAGES := doxygen
# (iproute2: `ip netns` for the two-host nc test, which skips without it; curl: a reference
# HTTP client the http tests compare against.)
TEST_PACKAGES := python3 ncat socat openssl nginx libnginx-mod-stream redis-server libgtest-dev libgmock-dev libbenchmark-dev \
                 clang libclang-rt-14-dev nodejs npm:npm chromium fonts-dejavu-core fonts-wqy-microhei tmux \
                 iproute2 curl \
                 $(PACKAGE_PACKAGES) $(DOCS_PACKAGES)

JOBS ?= $(shell nproc)

FUZZ_SECS ?= 300
SOAK_SECS ?= 600

.PHONY: run test deps test-deps browser-deps release debug package docs bench fuzz soak stress print-packages print-build-packages print-test-packages clean

run: release
	./build/release/apps/sockit/sockit chat serve --tcp :8000 --http :8080 --data ./sockit-data

# The chat tests run again under ThreadSanitizer, without address randomisation where the
# system allows (TSan's shadow memory needs a fixed layout on some kernels).
test: test-deps browser-deps
	tools/check-tool-lists
	tools/check-thread-safety
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)
	cmake --preset tsan
	cmake --build --preset tsan -j $(JOBS)
	$$(setarch $$(uname -m) -R true 2>/dev/null && echo setarch $$(uname -m) -R) ctest --preset tsan -j $(JOBS)
	fuzz/run 20
	$(MAKE) package docs
	tools/check-package build/release/sockit_*.deb

release: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS) --target sockit

# build/release/sockit_VERSION_amd64.deb: the command, man page, completion, the sockit-chat
# service and the library (headers, archives, CMake package, pkg-config).
package:
	tools/install-packages $(BUILD_PACKAGES) $(PACKAGE_PACKAGES)
	cmake --preset release
	cmake --build --preset release -j $(JOBS)
	rm -f build/release/sockit_*.deb
	cd build/release && cpack -G DEB

# API reference of include/sockit into build/docs/html; a warning fails it.
docs:
	tools/install-packages $(DOCS_PACKAGES)
	mkdir -p build
	doxygen docs/Doxyfile

debug: test-deps
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)

deps:
	tools/install-packages $(BUILD_PACKAGES)

test-deps:
	tools/install-packages $(BUILD_PACKAGES) $(TEST_PACKAGES)

# playwright-core for the browser test, exactly as locked (it drives Debian's chromium). npm
# trusts the system's CA store too (Node.js has a list of its own), as apt, curl and git do.
browser-deps: tests/browser/node_modules/.package-lock.json
tests/browser/node_modules/.package-lock.json: tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && NODE_EXTRA_CA_CERTS=$${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt} npm ci --no-audit --no-fund

# libFuzzer over every parser of network and command-line input, FUZZ_SECS seconds a target.
fuzz: test-deps
	fuzz/run $(FUZZ_SECS)

# 2,000 churning chat clients, 100 WebSocket ones and HTTP load on the ASan build for
# SOAK_SECS; fails on any error or lost message; plots RSS and fds to docs/soak.svg.
soak: debug
	ASAN_OPTIONS=quarantine_size_mb=64 bench/soak.py build/asan/apps/sockit/sockit build/soak $(SOAK_SECS)
	cp build/soak/soak.svg docs/soak.svg

# The tests that guard a race, STRESS_RUNS times each, two at a time (not part of test).
STRESS_RUNS ?= 300
stress: debug
	ctest --preset asan -R '^(ChatSafety\.ALegalBurst|ChatMembership\.|ChatSession\.|ChatTls\.)' -j 2 --repeat until-fail:$(STRESS_RUNS)

# Side-by-side benchmarks with Redis, NATS, nginx and iperf3 (minutes; not part of test).
bench: test-deps
	bench/run

# Every package list, one name a line (tools/check-tool-lists reads them).
print-packages: print-build-packages print-test-packages
print-build-packages:
	@printf '%s\n' $(BUILD_PACKAGES)
print-test-packages:
	@printf '%s\n' $(TEST_PACKAGES)

clean:
	rm -rf build
