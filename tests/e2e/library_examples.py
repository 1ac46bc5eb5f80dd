#!/usr/bin/env python3
"""sockit as a library of another project: `cmake --install` to a temporary prefix, examples/
built there with find_package(sockit) (and echo_client once more with pkg-config alone), then
the examples run against each other: echo_client against threading_echo_server, chat_bot
against embedded_chat, http_get against `sockit http serve`.

usage: library_examples.py BUILD_DIR SOURCE_DIR SOCKIT WORKDIR [CXXFLAGS]
CXXFLAGS are the flags the library was built with (the sanitizers), for the examples too.
"""
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, fail, read_until, spawn  # noqa: E402

BUILD, SOURCE, SOCKIT, WORK = sys.argv[1:5]
FLAGS = sys.argv[5] if len(sys.argv) > 5 else ""
PREFIX = os.path.join(WORK, "prefix")
EXAMPLES = os.path.join(WORK, "examples")


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, timeout=kw.pop("timeout", 600), **kw)
    check(r.returncode == 0, "%s failed:\n%s%s" % (" ".join(cmd), r.stdout.decode(errors="replace"),
                                                   r.stderr.decode(errors="replace")))
    return r.stdout.decode()


def build():
    shutil.rmtree(WORK, ignore_errors=True)
    run(["cmake", "--install", BUILD, "--prefix", PREFIX])
    check(os.listdir(os.path.join(PREFIX, "include")) == ["sockit"], "only include/sockit is installed")
    launcher = ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"] if shutil.which("ccache") else []
    run(["cmake", "-S", os.path.join(SOURCE, "examples"), "-B", EXAMPLES, "-G", "Ninja",
         "-DCMAKE_PREFIX_PATH=" + PREFIX, "-DCMAKE_CXX_FLAGS=" + FLAGS,
         "-DCMAKE_EXE_LINKER_FLAGS=" + FLAGS, *launcher])
    run(["cmake", "--build", EXAMPLES, "-j", "2"])
    print("find_package(sockit): the five examples build against the installed package")
    pc_dir = [d for d, _, files in os.walk(PREFIX) if "sockit.pc" in files]
    check(pc_dir, "sockit.pc is installed")
    env = dict(os.environ, PKG_CONFIG_PATH=pc_dir[0])
    pc = run(["pkg-config", "--cflags", "--libs", "sockit"], env=env).split()
    for example in ("echo_client", "embedded_chat"):
        run(["g++", *shlex.split(FLAGS), os.path.join(SOURCE, "examples", example + ".cpp"), "-o",
             os.path.join(EXAMPLES, example + "_pc"), *pc])
    print("pkg-config sockit: echo_client and embedded_chat build with its flags alone")


def listening(proc, pattern):
    out = read_until(proc, lambda o: re.search(pattern, o) is not None)
    m = re.search(pattern, out)
    check(m, "did not start: %r" % out)
    return m.group(1).decode()


def echo():
    server = spawn([os.path.join(EXAMPLES, "threading_echo_server"), "127.0.0.1:0"], stdout=subprocess.PIPE)
    where = listening(server, rb"listening on (127\.0\.0\.1:\d+)")
    for client in ("echo_client", "echo_client_pc"):
        out = run([os.path.join(EXAMPLES, client), where, "hello", "你好"], timeout=30)
        check(out == "server: hello\nserver: 你好\n", "%s: %r" % (client, out))
    server.send_signal(signal.SIGTERM)
    check(server.wait(timeout=15) == 0, "threading_echo_server stops cleanly on SIGTERM")
    print("echo_client (both builds) against threading_echo_server; SIGTERM stops the server")


def chat():
    for program in ("embedded_chat", "embedded_chat_pc"):
        room = spawn([os.path.join(EXAMPLES, program), "127.0.0.1:0"], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE)
        where = listening(room, rb"chat room on (127\.0\.0\.1:\d+)")
        out = run([os.path.join(EXAMPLES, "chat_bot"), where], timeout=30)
        for line in ("* logged in as bot (id 1)", "* lobby: bot(1)", "* bye"):
            check(line in out, "chat_bot: %r missing from %r" % (line, out))
        room.stdin.close()  # the program's work is done: it stops the room
        rest = room.stdout.read().decode()
        check(room.wait(timeout=15) == 0 and "chat room stopped" in rest, "%s stops: %r" % (program, rest))
    print("chat_bot against embedded_chat (both builds); the program stops its room with stop()")


def http():
    site = os.path.join(WORK, "site")
    os.makedirs(site)
    with open(os.path.join(site, "index.html"), "w") as f:
        f.write("<h1>served</h1>\n")
    server = spawn([SOCKIT, "http", "serve", site, "--listen", "127.0.0.1:0", "--quiet"], stdout=subprocess.PIPE)
    where = listening(server, rb"listening on (127\.0\.0\.1:\d+)")
    out = run([os.path.join(EXAMPLES, "http_get"), "http://%s/" % where], timeout=30)
    check(out == "<h1>served</h1>\n", "http_get: %r" % out)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=15)
    print("http_get fetches from sockit http serve")


try:
    build()
    echo()
    chat()
    http()
    print("library examples: ok")
except (EOFError, OSError, subprocess.SubprocessError) as e:
    fail(repr(e))
