"""Alembic environment for Flask-Migrate: the app's metadata (every domain's models), type
comparison on, batch mode so the same migrations run on SQLite (the embedded default) and
PostgreSQL."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
# create_app() has already configured logging (request id, JSON or text): use alembic.ini's
# logging only when it has not, so every line is printed once.
if not getattr(logging.getLogger(), "_banca_configured", False):
    fileConfig(config.config_file_name)
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
logger = logging.getLogger("alembic.env")

# create_app() already imports app.models; importing it again here keeps autogenerate honest
# even if that ever changes.
import app.models  # noqa: E402,F401
from app.db import UTCDateTime  # noqa: E402


def get_engine():
    return current_app.extensions["migrate"].db.engine


def get_engine_url() -> str:
    return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")


config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def render_item(type_, obj, autogen_context):
    """Render our UTC TypeDecorator as the plain column type it stores, so migration files do
    not import application code (a migration must keep working when app/ changes)."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def split_use_alter_foreign_keys(script) -> None:
    """Foreign keys marked `use_alter=True` (reference cycles) are silently skipped by
    create_table, so the constraint would never exist and `flask db check` would fail. Move each
    one out of its create_table into a batch ALTER after every table exists, and drop it first
    on downgrade (works on PostgreSQL and, through batch mode, on SQLite)."""
    from sqlalchemy import ForeignKeyConstraint

    from alembic.operations import ops

    added, dropped = [], []
    for op_ in script.upgrade_ops.ops:
        if not isinstance(op_, ops.CreateTableOp):
            continue
        deferred = [c for c in op_.columns if isinstance(c, ForeignKeyConstraint) and c.use_alter]
        # Filter by identity: `==` on a Column builds a SQL expression.
        op_.columns[:] = [c for c in op_.columns if not any(c is d for d in deferred)]
        for item in deferred:
            remote = [e.target_fullname for e in item.elements]
            referent = remote[0].rsplit(".", 1)[0]
            kw = {k: v for k, v in (("ondelete", item.ondelete), ("onupdate", item.onupdate)) if v}
            added.append(ops.ModifyTableOps(op_.table_name, [ops.CreateForeignKeyOp(
                item.name, op_.table_name, referent, list(item.column_keys),
                [r.rsplit(".", 1)[1] for r in remote], **kw)], schema=op_.schema))
            dropped.append(ops.ModifyTableOps(op_.table_name, [ops.DropConstraintOp(
                item.name, op_.table_name, type_="foreignkey")], schema=op_.schema))
    script.upgrade_ops.ops.extend(added)
    script.downgrade_ops.ops[:0] = dropped


def configure_args(connection=None) -> dict:
    args = dict(current_app.extensions["migrate"].configure_args)
    args.setdefault("compare_type", True)
    # Batch mode always: on SQLite, ALTERs become copy-and-move; on PostgreSQL they stay plain
    # ALTER TABLE, so a migration generated on either database runs on both.
    args.setdefault("render_as_batch", True)
    args.setdefault("render_item", render_item)
    return args


def run_migrations_offline():
    """Emit SQL to stdout (`flask db upgrade --sql`)."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=get_metadata(),
                      literal_binds=True, **configure_args())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run against the app's engine."""

    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            # Do not write an empty migration when autogenerate finds no change.
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")
                return
            split_use_alter_foreign_keys(script)

    args = configure_args()
    if args.get("process_revision_directives") is None:
        args["process_revision_directives"] = process_revision_directives

    with get_engine().connect() as connection:
        context.configure(connection=connection, target_metadata=get_metadata(), **args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
