"""`python -m local`: serve template.yaml's API on 127.0.0.1 until SIGINT/SIGTERM (what `make run` starts)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from local.runtime import Runtime, configure_logging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", "3000")),
        help="port on 127.0.0.1 (env PORT, default 3000; 0 picks a free one)",
    )
    parser.add_argument(
        "--state-dir",
        default=os.environ.get("PROMPTBANK_STATE_DIR", ".local"),
        help="where state is kept across restarts (env PROMPTBANK_STATE_DIR, default .local/)",
    )
    parser.add_argument("--template", default="template.yaml", help="the SAM template (default template.yaml)")
    args = parser.parse_args(argv)

    configure_logging()
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    runtime = Runtime(template=args.template, state_dir=args.state_dir, port=args.port)
    try:
        url = runtime.start()
    except Exception as err:
        print(f"local: could not start: {type(err).__name__}: {err}", file=sys.stderr, flush=True)
        try:
            runtime.stop()
        except Exception as stop_err:
            print(f"local: cleanup after failed start also failed: {stop_err}", file=sys.stderr, flush=True)
        return 1
    print(f"promptbank local API listening on {url}", flush=True)
    while not stop.wait(0.1):
        pass
    print("local: stopping (saving state)", file=sys.stderr, flush=True)
    runtime.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
