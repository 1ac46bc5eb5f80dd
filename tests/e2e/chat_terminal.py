#!/usr/bin/env python3
"""`sockit chat connect` in a real terminal (tmux), driven with keys as a person would: line
editing (arrows, Home/End, Ctrl-A/E/W/U), history with Up, Tab completion, CJK editing, the
user's own messages with times, direct messages, history framed and not repeated, a server
without a store, the history file, and reconnecting after the server restarts.

usage: chat_terminal.py SOCKIT WORKDIR
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chat_client import Client  # noqa: E402
from harness import check, fail, free_port, read_until, spawn  # noqa: E402

SOCKIT, WORK = sys.argv[1], sys.argv[2]
TMUX = ["tmux", "-L", "sockit-test-%d" % os.getpid(), "-f", "/dev/null"]


def tmux(*args):
    return subprocess.run(TMUX + list(args), check=True, capture_output=True, timeout=10).stdout.decode()


def keys(*k):
    tmux("send-keys", "-t", "chat", *k)


def typed(text):
    tmux("send-keys", "-t", "chat", "-l", text)


def screen():
    return tmux("capture-pane", "-p", "-t", "chat")


def wait_screen(pattern, timeout=15, what=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = screen()
        if re.search(pattern, s, re.M):  # tmux drops trailing spaces: "[lobby]>" ends a line
            return s
        time.sleep(0.1)
    fail("the terminal never showed %s; it shows:\n%s" % (what or repr(pattern), screen()))


def serve(port, data):
    server = spawn([SOCKIT, "chat", "serve", "--tcp", "127.0.0.1:%d" % port, "--http", "none",
                    "--data", data, "--log-level", "warn"], stdout=subprocess.PIPE)
    check(b"listening" in read_until(server, lambda out: b"listening" in out), "the server starts")
    return server


def received(client, text):
    while True:
        m = client.recv()
        if m.get("type") == "broadcast" and m.get("message") == text:
            return m


def main():
    if shutil.which("tmux") is None:
        fail("tmux is not installed (make test installs it)")
    shutil.rmtree(WORK, ignore_errors=True)  # a store left from an earlier run would talk back
    home = os.path.join(WORK, "home")
    os.makedirs(home, exist_ok=True)
    port = free_port()
    data = os.path.join(WORK, "data")
    server = serve(port, data)
    bob = Client(port)
    bob.login("bob")

    env = "env HOME=%s LANG=C.UTF-8 TERM=xterm-256color NO_COLOR=1 " % home
    tmux("new-session", "-d", "-s", "chat", "-x", "110", "-y", "40",
         env + "%s chat connect 127.0.0.1:%d --nick alice --no-bell" % (SOCKIT, port))
    wait_screen(r"logged in as alice", what="the login")
    wait_screen(r"^\[lobby\]>$", what="the prompt")

    # Editing: Left, insert; Up recalls; Home/End; Ctrl-W and Ctrl-U; Ctrl-A.
    typed("abc"); keys("Left", "Left"); typed("X"); keys("Enter")
    check(received(bob, "aXbc")["sender_nickname"] == "alice", "Left moves the cursor: aXbc")
    keys("Up"); keys("Enter")
    received(bob, "aXbc")
    typed("world"); keys("Home"); typed("hello "); keys("End"); typed("!"); keys("Enter")
    received(bob, "hello world!")
    typed("one two three"); keys("C-w"); typed("four"); keys("Enter")
    received(bob, "one two four")
    typed("thrown away"); keys("C-u"); typed("kept"); keys("C-a"); typed("> "); keys("Enter")
    received(bob, "> kept")
    print("editing: arrows, Up, Home/End, Ctrl-W, Ctrl-U, Ctrl-A")

    # CJK: two columns a character, edited as one.
    typed("你好世界"); keys("Left", "Left", "BSpace"); keys("Enter")
    received(bob, "你世界")
    print("CJK editing: Left and Backspace move over whole characters")

    # The user's own lines appear once acknowledged, with the time.
    s = wait_screen(r"\d\d:\d\d \[you\] 你世界", what="the own CJK line")
    check(re.search(r"\d\d:\d\d \[you\] aXbc", s), "own lines are shown with times:\n" + s)

    # Others' lines and direct messages, with times; a line being typed survives them.
    typed("half a li")
    bob.send(type="broadcast", message="interrupting")
    s = wait_screen(r"\d\d:\d\d \[bob\(1\)\] interrupting", what="bob's line")
    bob.send(type="direct", to="alice", message="psst")
    s = wait_screen(r"\[bob\(1\) -> you\] psst", what="the direct message")
    s = wait_screen(r"^\[lobby\]> half a li$", what="the half-typed line, intact")
    check(s.rindex("psst") < s.rindex("[lobby]> half a li"), "the typed line stays below the new ones:\n" + s)
    typed("ne"); keys("Enter")
    received(bob, "half a line")
    print("incoming lines and direct messages never garble the line being typed")

    # Tab: commands, nicknames.
    typed("/jo"); keys("Tab"); typed("dev"); keys("Enter")
    wait_screen(r"\* now in dev", what="/jo completed to /join")
    typed("/join lob"); keys("Tab"); keys("Enter")
    wait_screen(r"\* now in lobby", what="lob completed to lobby")
    typed("/msg bo"); keys("Tab"); typed("secret"); keys("Enter")
    m = bob.recv_type("direct")
    check(m["message"] == "secret", "the completed /msg arrives: %r" % m)
    wait_screen(r"\[you -> bob\] secret", what="the own direct message")
    print("Tab completes commands and nicknames")

    # History: framed, without the lines on screen already.
    typed("/history 3"); keys("Enter")
    s = wait_screen(r"nothing new; the last 3 are on screen|— history", what="the history answer")
    check("— history" not in s, "history repeats nothing on screen:\n" + s)
    print("/history does not repeat what is on screen")

    # A restart of the server: the client says so, connects again, logs in, catches up.
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=20)
    wait_screen(r"connecting again in", what="the lost connection")
    server = serve(port, data)
    wait_screen(r"logged in as alice .*back after a lost connection", timeout=30, what="the new login")
    bob = Client(port)
    bob.login("bob")
    bob.send(type="broadcast", message="after the restart")
    wait_screen(r"\[bob\(\d+\)\] after the restart", what="talk after the restart")
    typed("still here"); keys("Enter")
    received(bob, "still here")
    print("after a server restart the client connects again, logs in and talks")

    # Ctrl-C ends it; the history file keeps what was typed.
    keys("C-c")
    deadline = time.time() + 10
    while time.time() < deadline and subprocess.run(TMUX + ["has-session", "-t", "chat"],
                                                     capture_output=True).returncode == 0:
        time.sleep(0.1)
    check(time.time() < deadline, "Ctrl-C ends the client")
    history = os.path.join(home, ".local", "state", "sockit", "chat_history")
    check(os.path.exists(history), "the history file is written")
    kept = open(history, encoding="utf-8", errors="replace").read().replace("\\040", " ")  # libedit's format
    check("still here" in kept and "你世界" in kept, "it holds typed lines: %r" % kept)
    check(oct(os.stat(history).st_mode & 0o777) == "0o600", "and is the user's alone")
    print("Ctrl-C ends the client; the history file holds the typed lines")

    # Without a store /history says so; --json prints frames for scripts.
    none_port = free_port()
    spawn([SOCKIT, "chat", "serve", "--tcp", "127.0.0.1:%d" % none_port, "--http", "none", "--data", "none",
           "--log-level", "warn"], stdout=subprocess.PIPE)
    time.sleep(0.5)
    out = subprocess.run([SOCKIT, "chat", "connect", "127.0.0.1:%d" % none_port, "--nick", "carol"],
                         input=b"/history 3\n", capture_output=True, timeout=30).stdout.decode()
    check("this server keeps no history" in out, "/history without a store says so: %r" % out)
    out = subprocess.run([SOCKIT, "chat", "connect", "127.0.0.1:%d" % none_port, "--nick", "dave", "--json"],
                         input=b"hi\n", capture_output=True, timeout=30).stdout.decode()
    frames = [line for line in out.splitlines() if line]
    check(frames and all(line.startswith("{") for line in frames), "--json prints JSON lines: %r" % out)
    check(any('"type":"ack"' in line for line in frames), "including the ack: %r" % out)
    print("without a store /history says so; --json prints one frame a line")
    print("terminal client: ok")


try:
    main()
except (EOFError, OSError, subprocess.SubprocessError) as e:
    fail(repr(e))
finally:
    subprocess.run(TMUX + ["kill-server"], capture_output=True)
