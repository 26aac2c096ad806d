"""Network-mode benchmark (a script, not a test).

    .venv/bin/python benchmarks/bench_network.py [--seconds 20]

Three processes on localhost, as in a lab: the embedded broker, an instructor (a child
process: controller + bridge, applying pause/play alternately every second), and this
process: the real bedside monitor window (offscreen) in network mode. Reports

- latency from the instructor's action (the envelope's wall time when published) to the
  monitor's next painted frame (first paint of a sweep strip after the action was
  applied), median and 95th percentile; same machine, so one wall clock;
- bytes per minute on the wire (MQTT payload + topic, everything every client published
  and received) for a session at 1x and at 60x;
- the monitor's painted frames per second and CPU time per frame in network mode (this
  process only: the broker and the instructor run in their own); then, the instructor
  still running, the monitor alternating second by second with the fixed reference
  scene (reference_scene.py), both counted by frame_meter.py as bench_monitor.py counts
  them: CPU per painted frame and its ratio to the reference's (the budget of issue 19:
  the bedside monitor's, as in bench_monitor.py --role monitor).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def instructor_child(url: str, room: str, seconds: float, speed: float) -> int:
    from dashboard.core.actions import PAUSE, PLAY, SPEED, Action, Actor
    from dashboard.core.session_controller import SessionController
    from dashboard.net.bridge import InstructorBridge, instructor_subscriptions
    from dashboard.net.link import BrokerUrl, MqttLink
    from replay_data.course import Course

    course = Course.load()
    c = SessionController(course, start=course.scenario.resolve("abg_pre_ecmo-5m"),
                          wall=time.time, display="console")
    link = MqttLink(BrokerUrl.parse(url), subscriptions=instructor_subscriptions(room))
    b = InstructorBridge(c, link, room)
    console = Actor("instructor", "console")
    if speed != 1:
        c.apply(Action.make(SPEED, {"value": speed}, console))
    b.start()
    link.wait_connected(10)
    end = time.monotonic() + seconds
    next_action = time.monotonic() + 2.0
    paused = False
    while time.monotonic() < end:
        b.pump()
        c.tick()
        if time.monotonic() >= next_action:
            c.apply(Action.make(PLAY if paused else PAUSE, {}, console))
            paused = not paused
            next_action += 1.0
        time.sleep(0.01)
    print(f"BYTES {link.bytes_out} {link.bytes_in}", flush=True)
    b.stop()
    c.close()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--ratio-seconds", type=float, default=10.0,
                    help="seconds of the monitor (as many of the reference) alternated")
    ap.add_argument("--instructor-child", nargs=4, metavar=("URL", "ROOM", "S", "SPEED"))
    a = ap.parse_args()
    if a.instructor_child:
        url, room, s, speed = a.instructor_child
        return instructor_child(url, room, float(s), float(speed))

    from PySide6 import QtCore, QtWidgets

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from frame_meter import FrameMeter, alternate, summarise
    from reference_scene import ReferenceScene

    from dashboard.net.broker import free_port
    from dashboard.net.link import BrokerUrl
    from dashboard.net.protocol import ACTION
    from dashboard.session import MonitorSession
    from dashboard.session_net import attach_monitor
    from dashboard.ui.sweep_strip import SweepCanvas
    from replay_data.course import Course

    app = QtWidgets.QApplication(sys.argv[:1])
    meter = FrameMeter(app)
    port = free_port()
    broker = subprocess.Popen([sys.executable, "-m", "dashboard.app", "broker", "--port",
                               str(port), "--allow-anonymous"], stdout=subprocess.PIPE,
                              text=True)
    broker.stdout.readline()
    url = f"mqtt://127.0.0.1:{port}"
    results = {}
    try:
        for speed in (1.0, 60.0):
            room = f"bench{int(speed)}"
            course = Course.load()
            session = MonitorSession.create(course, role="monitor", mute=True,
                                            display="bed-1", network_wall=time.time)
            net = {"url": BrokerUrl.parse(url), "room": room, "display": "bed-1",
                   "credentials": None}
            bridge = attach_monitor(session, net)
            sent: list[float] = []
            pending: list[float] = []
            latencies: list[float] = []
            handle = bridge._handle

            def spy(env, handle=handle, sent=sent, pending=pending):
                handle(env)
                if env.type == ACTION:
                    pending.append(env.ts)
            bridge._handle = spy
            frames = [0]
            original = SweepCanvas.paintEvent

            def paint(self, ev, original=original, pending=pending,
                      latencies=latencies):
                original(self, ev)
                if pending:
                    now = time.time()
                    latencies.extend((now - ts) * 1000 for ts in pending)
                    pending.clear()
            SweepCanvas.paintEvent = paint
            session.timer.timeout.connect(lambda frames=frames: frames.__setitem__(
                0, frames[0] + 1))
            session.window.resize(1600, 1000)
            session.window.show()
            child_s = a.seconds + 2 * a.ratio_seconds + 6  # through the ratio phase
            child = subprocess.Popen([sys.executable, __file__, "--instructor-child", url,
                                      room, str(child_s), str(speed)],
                                     stdout=subprocess.PIPE, text=True)

            def run_for(seconds: float) -> None:
                end = time.perf_counter() + seconds
                while time.perf_counter() < end:
                    app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.WaitForMoreEvents)

            run_for(3.0)   # connect, adopt the state, warm up
            f0, cpu0, w0 = frames[0], time.process_time(), time.perf_counter()
            b0 = bridge.link.bytes_out + bridge.link.bytes_in
            run_for(a.seconds - 4.0)
            wall = time.perf_counter() - w0
            cpu = time.process_time() - cpu0
            n = frames[0] - f0
            mon_bytes = bridge.link.bytes_out + bridge.link.bytes_in - b0
            # The frame cost against the reference, the instructor still driving (the
            # latency spies off: with the monitor's timer stopped for the reference, an
            # action waits for its next frame by design).
            SweepCanvas.paintEvent = original
            bridge._handle = handle
            ref = ReferenceScene()
            ref.show()
            scenes = {"app": (session.timer.start, session.timer.stop),
                      "reference": (ref.start, ref.stop)}
            session.timer.stop()
            alternate(app, meter, scenes, 1.0)  # warm-up: one round
            cost = summarise(alternate(app, meter, scenes, a.ratio_seconds))
            ref.close()
            session.timer.start()
            out = child.communicate(timeout=120)[0]
            ins_out, ins_in = (int(x) for x in out.split("BYTES")[1].split())
            bridge.stop()
            session.close()
            session.window.close()
            results[speed] = (latencies, n / wall, cpu / max(n, 1) * 1000,
                              (mon_bytes / wall + (ins_out + ins_in) / child_s) * 60, cost)
    finally:
        broker.terminate()
        broker.wait(10)
    for speed, (lat, fps, cpu_ms, bpm, cost) in results.items():
        print(f"{speed:g}x: action -> next painted frame: median "
              f"{statistics.median(lat) if lat else float('nan'):.1f} ms, "
              f"p95 {pct(lat, 0.95):.1f} ms ({len(lat)} actions)")
        print(f"{speed:g}x: monitor frames per second {fps:.1f}, CPU per frame "
              f"{cpu_ms:.2f} ms")
        print(f"{speed:g}x: bytes per minute on the wire (instructor + monitor, "
              f"published + received): {bpm:,.0f}")
        mon, ref_cost = cost["app"], cost["reference"]
        print(f"{speed:g}x: against the reference: monitor {mon.fps:.1f} painted fps, "
              f"{mon.cpu_per_frame_ms:.2f} ms CPU per painted frame; reference "
              f"{ref_cost.fps:.1f} fps, {ref_cost.cpu_per_frame_ms:.2f} ms; ratio "
              f"{mon.cpu_per_frame_ms / ref_cost.cpu_per_frame_ms:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
