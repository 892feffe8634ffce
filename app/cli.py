"""CLI commands: seed-demo (idempotent demo data), serve (dev server + in-process scheduler)."""
from __future__ import annotations

import importlib
import os

import click
from flask import current_app

# Domain seeders: `app/<domain>/seed.py: seed_demo(session, demo)`; run in this order.
SEED_MODULES = ["app.draws.seed", "app.restrictions.seed", "app.commissions.seed", "app.sales.seed",
                "app.accounts.seed"]


def register_cli(app) -> None:
    @app.cli.command("seed-demo")
    @click.option("--quiet", is_flag=True, help="No imprimir los accesos de demostración.")
    def seed_demo_command(quiet):
        """Create (idempotently) a realistic demo banca and print the demo logins."""
        from app.db import unit_of_work
        from app.org.seed import DEMO_PASSWORD, seed_org

        with unit_of_work() as session:
            demo = seed_org(session)
        for name in SEED_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name == name:
                    continue
                raise
            with unit_of_work() as session:
                module.seed_demo(session, demo)
        if not quiet:
            click.echo("")
            click.echo("Accesos de demostración (contraseña para todos: %s)" % DEMO_PASSWORD)
            for role, username in demo.logins:
                click.echo(f"  {role:<9} {username}")
            click.echo("")

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", default=5000, type=int)
    def serve_command(host, port):
        """Run the development server; without REDIS_URL also the in-process job scheduler."""
        if not current_app.config.get("REDIS_URL"):
            from app.jobs.scheduler import start
            start(current_app._get_current_object())
        click.echo(f"Banca en http://{host}:{port}/  (Ctrl+C para salir)")
        # Not app.run(): Flask ignores it inside a `flask` CLI command (FLASK_RUN_FROM_CLI).
        from werkzeug.serving import run_simple
        run_simple(host, port, current_app._get_current_object(), use_reloader=False, use_debugger=False,
                   threaded=True)
