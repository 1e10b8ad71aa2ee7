"""`negsim app` announces its address only once the server answers it."""

from __future__ import annotations

import http.server
import threading
import time

from sim.app.server import answers, free_port, local_url, when_answering


def test_the_address_is_announced_only_once_it_answers():
    port = free_port()
    url = local_url("127.0.0.1", port)
    announced: list[bool] = []  # whether the server answered when the callback ran
    done = threading.Event()
    when_answering(url, lambda: (announced.append(answers(url)), done.set()), every=0.05)
    time.sleep(0.4)
    assert not announced  # nothing listens yet
    server = http.server.HTTPServer(("127.0.0.1", port), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert done.wait(10)
        assert announced == [True]
    finally:
        server.shutdown()
        server.server_close()


def test_a_wildcard_host_is_reached_on_loopback():
    assert local_url("0.0.0.0", 8765) == "http://127.0.0.1:8765/"
    assert local_url("127.0.0.1", 80) == "http://127.0.0.1:80/"
