# A strict reader of the Prometheus text exposition format (0.0.4) for the tests, standard
# library only: every sample must belong to a family declared by # HELP and # TYPE before it.
import re
import urllib.request

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*$")
SAMPLE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"$')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse(text):
    """{(name, ((label, value), ...)): float}; raises ValueError on any malformed line."""
    assert text.endswith("\n"), "the exposition must end with a newline"
    types, helps, samples = {}, set(), {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            if not NAME.match(name) or name in helps:
                raise ValueError("bad or repeated HELP: " + line)
            helps.add(name)
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            if kind not in TYPES or name in types:
                raise ValueError("bad or repeated TYPE: " + line)
            types[name] = kind
        elif line.startswith("#") or not line:
            continue
        else:
            m = SAMPLE.match(line)
            if not m:
                raise ValueError("bad sample: " + line)
            name, labels = m.group(1), ()
            if name not in types or name not in helps:
                raise ValueError("sample before its HELP/TYPE: " + line)
            if types[name] == "counter" and not name.endswith("_total"):
                raise ValueError("a counter's name must end in _total: " + name)
            if m.group(3):
                pairs = []
                for part in m.group(3).split(","):
                    lm = LABEL.match(part)
                    if not lm:
                        raise ValueError("bad label: " + part)
                    pairs.append((lm.group(1), lm.group(2)))
                labels = tuple(pairs)
            key = (name, labels)
            if key in samples:
                raise ValueError("repeated sample: " + line)
            samples[key] = float(m.group(4))
    return samples


def scrape(port, host="127.0.0.1"):
    with urllib.request.urlopen("http://%s:%d/metrics" % (host, port), timeout=10) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
        return parse(r.read().decode())


def value(samples, name, **labels):
    return samples[(name, tuple(sorted(labels.items())))]


def wait_for(port, name, expected, timeout=10, **labels):
    """Scrapes until `name{labels}` equals `expected` (the server counts a departure a moment
    after the client sees it); returns the last value seen."""
    import time
    deadline = time.time() + timeout
    while True:
        got = value(scrape(port), name, **labels)
        if got == expected or time.time() > deadline:
            return got
        time.sleep(0.05)
