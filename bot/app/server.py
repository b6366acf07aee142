"""``haven serve``: one aiohttp server (spec section 4). A composition root: the only
bot module besides ``cli`` that wires platform adapters in."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import Callable

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.model.clock import iso
from bot.app.config import ConfigError, Settings, check_safety
from bot.app.listen import Gate, connection_cap, run
from bot.flows.retention import purge
from bot.app.runtime import Runtime, build_runtime, count_open
from bot.app.desk_wiring import build_desk
from bot.delivery.scheduler import Ticker
from bot.hr.app import mount as mount_desk
from storage.migrate import upgrade

log = logging.getLogger("haven.server")
RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime", Runtime)
TICKER: web.AppKey[Ticker] = web.AppKey("ticker", Ticker)
GATE: web.AppKey[Gate] = web.AppKey("gate", Gate)


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    database = "ok" if await runtime.db.ping() else "unavailable"
    ready = all(runtime.ready.values()) and runtime.ready.get("migrations", False)
    body = {
        "status": "ok" if ready and database == "ok" else "starting" if database == "ok" else "degraded",
        "database": database,
        "platforms": sorted(k for k in runtime.ready if k != "migrations"),
        "now": iso(runtime.ctx.now()),  # Haven's policy time (HAVEN_CLOCK_FILE in tests)
    }
    if runtime.ctx.messengers:
        body["hr_channel"] = "ok" if not await hr_missing(runtime) else "missing"

    return web.json_response(body, status=200 if body["status"] == "ok" else 503)


async def hr_missing(runtime: Runtime) -> list[str]:
    """The platforms with no HR channel (reports for HR only are held there)."""
    from bot.flows.routes import reachable
    from bot.model.messages import Audience

    missing = []
    for platform in sorted(runtime.ctx.messengers):
        try:
            if not await reachable(runtime.ctx, platform, Audience.HR, None):
                missing.append(platform)
        except Exception:  # unknown is reported as missing, never a 500
            missing.append(platform)
    return missing


async def metrics(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    await count_open(runtime)
    response = web.Response(body=runtime.metrics.render())
    response.headers["Content-Type"] = runtime.metrics.content_type
    return response


@web.middleware
async def never_500(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The last line of defence: an unexpected error is logged with a code and answered
    503 (try again), never a 500."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except asyncio.CancelledError:
        raise
    except Exception:
        from bot.model.errors import log_unexpected

        code = log_unexpected(f"{request.method} {request.path}")
        return web.json_response({"error": "unavailable", "ref": code}, status=503)


def create_app(runtime: Runtime) -> web.Application:
    """The aiohttp app with health, metrics and every enabled platform's routes."""
    from bot.app.privacy import install_log_guard

    install_log_guard()
    gate = Gate(connection_cap())
    app = web.Application(middlewares=[never_500, gate.middleware], client_max_size=1024 * 1024)
    app[RUNTIME] = runtime
    app[GATE] = gate
    app.router.add_get("/healthz", healthz)
    if runtime.settings.metrics_port is None:
        app.router.add_get("/metrics", metrics)
    mount_platforms(app, runtime)
    mount_desk(app, build_desk(runtime))
    app.on_startup.append(_startup)
    app.on_cleanup.append(_cleanup)
    return app


def metrics_app(runtime: Runtime) -> web.Application:
    """``/metrics`` alone, for the loopback port ``HAVEN_METRICS_PORT``."""
    app = web.Application(middlewares=[never_500])
    app[RUNTIME] = runtime
    app.router.add_get("/metrics", metrics)
    return app


def mount_platforms(app: web.Application, runtime: Runtime) -> None:
    """Slack and Teams register their routes and their start-up checks."""
    settings = runtime.settings
    if settings.slack_enabled:
        from adapters.slack.app import mount as mount_slack

        mount_slack(app, runtime.haven, settings.slack())
    if settings.teams_enabled:
        from adapters.teams.app import mount as mount_teams

        mount_teams(app, runtime.haven, settings.teams())


async def _startup(app: web.Application) -> None:
    runtime = app[RUNTIME]
    runtime.ready["migrations"] = True  # applied before the loop started (serve())
    await count_open(runtime)
    for platform in await hr_missing(runtime):
        print(f"haven: warning: no HR channel on {platform}: reports for HR only (routes.restricted, to_hr) "
              "are logged and held until an admin runs `/haven register hr` (Teams: @Haven register hr)"
              + (" or HAVEN_SLACK_HR_CHANNEL is set" if platform == "slack" else ""), flush=True)
    runtime.dispatcher.start()
    ticker = Ticker(tick=runtime.sweeper.tick, tick_seconds=runtime.settings.tick_seconds,
                    daily=lambda: purge(runtime.ctx), next_due=runtime.sweeper.next_due_in)
    ticker.start()
    app[TICKER] = ticker
    runtime.dispatcher.wake()  # deliver whatever a previous run left behind
    settle_heap()


def settle_heap() -> None:
    """Move everything start-up made (modules, the policy, mappers, the app) out of the
    cycle collector's generations. A full collection then walks only what the server
    made since: without this, each one stopped the event loop for 100-250 ms on the
    project's machine, every few seconds under load, and was the tail of report → alert."""
    gc.collect()
    gc.freeze()


async def _cleanup(app: web.Application) -> None:
    if TICKER in app:
        await app[TICKER].aclose()
    await app[RUNTIME].close()


def serve(settings: Settings) -> int:
    """Migrate, then run the server until interrupted."""
    try:
        check_safety(settings)
    except ConfigError as exc:
        print(f"haven: {exc}", file=sys.stderr)
        return 2
    announce(settings)
    runtime = build_runtime(settings)
    try:
        asyncio.run(_migrate(settings))
        app = create_app(runtime)
    except ConfigError as exc:
        print(f"haven: {exc}", file=sys.stderr)
        return 2
    extra = metrics_app(runtime) if settings.metrics_port is not None else None
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as loop:
            loop.run(run(app, host=settings.host, port=settings.port, metrics=extra,
                         metrics_port=settings.metrics_port, gate=app[GATE], ready=_print_ready(settings)))
    except ConfigError as exc:
        print(f"haven: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"haven: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when it is installed (``pip install 'haven[fast]'``: a faster
    loop for a burst of reports), else asyncio's own (None)."""
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


async def _migrate(settings: Settings) -> None:
    from bot.app.runtime import make_database

    from bot.app.privacy import KeyMismatch, check_key
    from storage.customer_keys import StaleHashes, check_hashes

    db = make_database(settings)
    try:
        await upgrade(db)
        try:
            await check_key(db)
            await check_hashes(db)  # old hashes re-keyed; hashes under a dropped key refused
        except (KeyMismatch, StaleHashes) as exc:
            raise ConfigError(str(exc)) from None
    finally:
        await db.dispose()


def announce(settings: Settings) -> None:
    from bot.app.runtime import make_database

    db = make_database(settings)
    where = db.sqlite_path or db.engine.url.render_as_string(hide_password=True)
    print(f"haven: database {where}", flush=True)
    if not settings.encryption_key:
        print("haven: warning: HAVEN_ENCRYPTION_KEY is not set; report text is stored unencrypted", flush=True)
    if settings.clock_file:
        print(f"haven: test clock from {settings.clock_file}", flush=True)
    _warn_unset_contacts(settings)
    if settings.teams_emulator:
        print("haven: WARNING: HAVEN_TEAMS_EMULATOR=1: Teams requests are NOT authenticated "
              "(loopback only, for the Bot Framework Emulator and tests)", flush=True)
    if not settings.slack_enabled and not settings.teams_enabled:
        print("haven: no chat platform is configured. Set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and "
              "HAVEN_SLACK_SUPERVISOR_CHANNEL for Slack, or MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD "
              "for Teams. Try `haven console` to use Haven without a workspace.", flush=True)


def _warn_unset_contacts(settings: Settings) -> None:
    """Once at start: wellbeing resources left out because their contact is a placeholder."""
    from policy.loader import DEFAULT_POLICY_PATH, PolicyError, load_policy
    from policy.resources import unset_contacts

    try:
        policy = load_policy(settings.policy)
    except PolicyError:
        return  # reported where the policy is loaded for use
    where = settings.policy or str(DEFAULT_POLICY_PATH)
    for path in unset_contacts(policy):
        print(f"haven: warning: {path} is not set in {where}; that resource is left out of the "
              "wellbeing message until you set it", flush=True)


def _print_ready(settings: Settings) -> Callable[[], None]:
    def say() -> None:
        print(f"haven: listening on http://{settings.host}:{settings.port}", flush=True)
        if settings.metrics_port is not None:
            print(f"haven: /metrics on http://127.0.0.1:{settings.metrics_port} only", flush=True)

    return say
