"""moto's server in a process of its own: ``python -m local_stack.moto_process``.

Its own process keeps the emulated AWS state apart from any ``mock_aws`` used by tests in the process that
started the local stack. It prints ``PORT <n>`` once listening on 127.0.0.1 and exits when its standard
input closes (the local stack stopped, or died).
"""

import logging
import signal
import sys

from moto.moto_server.threaded_moto_server import ThreadedMotoServer


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(
        ip_address="127.0.0.1", port=int(sys.argv[1]) if len(sys.argv) > 1 else 0, verbose=False
    )
    server.start()
    print(f"PORT {server.get_host_and_port()[1]}", flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
