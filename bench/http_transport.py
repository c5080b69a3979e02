"""What a call placement's HTTP transport costs at the rates Twilio allows.

    .venv/bin/python bench/http_transport.py [--seconds 5]

Places calls with the real `CallsEndpoint` against the local stand-in (`bench/twilio_standin.py`,
in its own process, so only our side is timed) at 1 call/s (a default Twilio account), at
100 calls/s and unpaced, once per transport: requests' own pooled `HTTPAdapter` (the baseline),
`telephony.adapter.PooledAdapter` (what the code uses: HTTPAdapter without the per-request work
alike for every call), and bare `http.client` keep-alive POSTs — the floor no hand-written
transport can beat (the one retired, telephony/http.py, measured 0.55 of the baseline's CPU at
1 call/s: 0.05% of a core against 0.1%). Prints CPU per call, the share of one core it takes
at that rate, and each ratio against the baseline measured in the same run.
"""
import argparse
import http.client
import os
import statistics
import subprocess
import sys
import time
from urllib.parse import quote_plus

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from requests.adapters import HTTPAdapter  # noqa: E402

from telephony import CallRequest  # noqa: E402
from telephony.adapter import PooledAdapter  # noqa: E402
from telephony.twilio_rest import CallsEndpoint  # noqa: E402

PORT = 8198
ACCOUNT = "AC" + "0" * 32
REQUEST = CallRequest(to="+393331234567", from_="+390212345678",
                      url="https://cortesia.example.test/ivr/tok/answer",
                      status_callback="https://cortesia.example.test/ivr/tok/status", timeout=30)


class BareHttpClient:
    """One kept-alive `http.client` connection, no checks at all: the floor."""

    def __init__(self, endpoint, port=PORT):
        self.endpoint, self.port = endpoint, port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        self.headers = {k: v for k, v in endpoint._headers.items() if k != "Content-Length"}

    def create(self, request):
        body = f"To={quote_plus(request.to)}&Url={quote_plus(request.url)}".encode()
        self.connection.request("POST", self.endpoint.url.split(str(self.port), 1)[1], body=body,
                                headers=self.headers)
        answer = self.connection.getresponse()
        return answer.status, answer.read()


def endpoint(adapter):
    calls = CallsEndpoint(f"http://127.0.0.1:{PORT}", ACCOUNT, "bench", 15)
    if adapter is None:
        return BareHttpClient(calls)
    calls._adapter = adapter
    return calls


def place(calls, rate, count):
    """(CPU seconds per call, median wall seconds per call) placing `count` calls at `rate`/s."""
    calls.create(REQUEST)   # the connection is opened outside the measure, as in a long pass
    walls, cpu = [], time.process_time()
    start = time.perf_counter()
    for n in range(count):
        if rate:
            time.sleep(max(0.0, start + n / rate - time.perf_counter()))
        began = time.perf_counter()
        status, _ = calls.create(REQUEST)
        walls.append(time.perf_counter() - began)
        assert status == 201, status
    return (time.process_time() - cpu) / count, statistics.median(walls)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5, help="how long each paced run lasts")
    args = parser.parse_args()
    standin = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench", "twilio_standin.py"),
                                "--port", str(PORT)], stdout=subprocess.PIPE, text=True)
    standin.stdout.readline()
    transports = {"requests HTTPAdapter": HTTPAdapter,
                  "PooledAdapter": lambda: PooledAdapter(max_retries=0),
                  "bare http.client": lambda: None}
    try:
        for rate, count in ((1, int(args.seconds)), (100, int(100 * args.seconds)), (0, 3000)):
            print(f"\n{'unpaced' if not rate else f'{rate} call/s'}, {count} calls")
            baseline = None
            for name, make in transports.items():
                cpu, wall = place(endpoint(make()), rate, count)
                baseline = baseline or cpu
                share = (f"{cpu * rate:7.3%} of a core" if rate
                         else f"{1 / cpu:6.0f} calls/s CPU-bound")
                print(f"  {name:22} {cpu * 1000:6.3f} ms CPU/call  {wall * 1000:6.3f} ms wall"
                      f"  {share}  ratio {cpu / baseline:4.2f}", flush=True)
    finally:
        standin.terminate()
        standin.wait()


if __name__ == "__main__":
    main()
