"""Replays one URL from a pywb collection, as pywb's web app serves it (run by pywb's own
Python, in the directory holding ``collections/``): writes the status, a line break and the
body to OUTPUT (pywb prints notices of its own on the standard output).

    .pywb/bin/python tests/pywb_replay.py DIRECTORY /COLLECTION/TIMESTAMPid_/URL OUTPUT
"""

import os
import sys
from wsgiref.util import setup_testing_defaults

from pywb.apps.frontendapp import FrontEndApp


def main() -> None:
    output = os.path.abspath(sys.argv[3])
    os.chdir(sys.argv[1])
    app = FrontEndApp()
    environ: dict[str, object] = {"PATH_INFO": sys.argv[2], "REQUEST_METHOD": "GET"}
    setup_testing_defaults(environ)
    statuses: list[str] = []
    body = b"".join(app(environ, lambda status, headers, exc=None: statuses.append(status)))
    with open(output, "wb") as out:
        out.write(statuses[0].encode() + b"\n" + body)


if __name__ == "__main__":
    main()
