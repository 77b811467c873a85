"""Serving: ``serve`` (the chat page) and ``build-models``."""

from __future__ import annotations

import argparse
import os
import sys

from qa import Assistant

from .common import Commands, Parents, settings


def cmd_build_models(args: argparse.Namespace) -> int:
    """Build the int8 ONNX models now (``make install`` does), instead of on first use."""
    Assistant(settings(args)).prepare_models(backend="onnx")
    print("int8 ONNX models ready (ARTICLE_QA_BACKEND=onnx)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    bot = Assistant(settings(args))
    try:
        from web import PageSettings, serve
    except ImportError as exc:
        print(f"the web page is not available: {exc}", file=sys.stderr)
        return 1
    page = PageSettings(**({"auth": args.auth} if args.auth else {}))
    serve(bot, host=args.host, port=args.port, share=args.share, settings=page)
    return 0


def register(sub: Commands, parents: Parents) -> None:
    build = sub.add_parser("build-models", help="build the int8 ONNX models (once per machine)")
    build.set_defaults(func=cmd_build_models)
    srv = sub.add_parser("serve", parents=[parents.store], help="serve the chat page")
    srv.add_argument(
        "--host",
        default=os.environ.get("ARTICLE_QA_HOST", "127.0.0.1"),
        help="address to listen on (0.0.0.0: every interface)",
    )
    srv.add_argument("--port", type=int, default=int(os.environ.get("ARTICLE_QA_PORT", 7860)))
    srv.add_argument("--share", action="store_true", help="create a public Gradio share link")
    srv.add_argument(
        "--auth",
        metavar="USER:PASS",
        help="password-protect the page (or ARTICLE_QA_AUTH; several: 'a:pw1,b:pw2')",
    )
    srv.set_defaults(func=cmd_serve)
