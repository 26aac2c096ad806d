"""The README's three lines, as processes: broker, instructor (headless, with an
injection) and a bedside monitor (headless, with an alarm log)."""

from __future__ import annotations

import json
import subprocess
import sys

from test_room import start_broker_process

from dashboard.net.broker import free_port

CLI = [sys.executable, "-m", "dashboard.app"]


def test_broker_instructor_and_monitor_commands(tmp_path):
    port = free_port()
    broker = start_broker_process(port)
    url = f"mqtt://127.0.0.1:{port}"
    try:
        # The monitor runs first and waits for the instructor; the injection starts 4 s
        # of case time after the instructor's start.
        mon = subprocess.Popen(CLI + ["monitor", "--broker", url, "--room", "sim1",
                                      "--display", "bed-1", "--headless", "--duration", "18",
                                      "--alarm-log", str(tmp_path / "bed-1.jsonl")],
                               stderr=subprocess.PIPE, text=True)
        ins = subprocess.run(CLI + ["instructor", "--broker", url, "--room", "sim1",
                                    "--headless", "--duration", "12",
                                    "--start", "ecmo_start+86390",
                                    "--inject", "pump_stop@ecmo_start+86394",
                                    "--session-log", str(tmp_path / "session.jsonl"),
                                    "--alarm-log", str(tmp_path / "console.jsonl")],
                             capture_output=True, text=True, timeout=120)
        mon_err = mon.communicate(timeout=120)[1]
    finally:
        broker.terminate()
        broker.wait(10)
    assert ins.returncode == 0, ins.stderr
    assert mon.returncode == 0, mon_err
    assert "display bed-1 connected" in ins.stderr
    assert "in step with the instructor" in mon_err
    raised = [json.loads(line)["alarm_id"] for line in
              (tmp_path / "bed-1.jsonl").read_text().splitlines()
              if json.loads(line)["event"] == "raise"]
    assert "pump_stopped" in raised
    assert "pump_stop" in (tmp_path / "session.jsonl").read_text()


def test_bad_network_options_are_one_line_and_exit_2(tmp_path):
    for args, message in ((["--broker", "http://x", "--room", "a"], "use mqtt://"),
                          (["--broker", "mqtt://127.0.0.1:1", "--room", "a/b"], "room name"),
                          (["--room", "sim1"], "need --broker"),
                          (["--broker", "mqtt://127.0.0.1:1", "--room", "a",
                            "--credentials", str(tmp_path / "none.toml")],
                           "no such credentials file")):
        r = subprocess.run(CLI + ["monitor", "--headless", "--duration", "1"] + args,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2, (args, r.stderr)
        assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_a_monitor_joining_a_running_session_says_it_is_in_step(tmp_path):
    """A bedside monitor started after the instructor finds the retained state at once:
    it says it is in step (it used to say nothing, having never been "waiting")."""
    port = free_port()
    broker = start_broker_process(port)
    url = f"mqtt://127.0.0.1:{port}"
    try:
        ins = subprocess.Popen(CLI + ["instructor", "--broker", url, "--room", "sim2",
                                      "--headless", "--duration", "30",
                                      "--session-log", str(tmp_path / "session.jsonl"),
                                      "--alarm-log", str(tmp_path / "console.jsonl")],
                               stderr=subprocess.PIPE, text=True)
        try:
            assert "recording the session" in ins.stderr.readline()
            mon = subprocess.run(CLI + ["monitor", "--broker", url, "--room", "sim2",
                                        "--display", "bed-9", "--headless", "--duration", "6",
                                        "--alarm-log", str(tmp_path / "bed-9.jsonl")],
                                 capture_output=True, text=True, timeout=90)
        finally:
            ins.terminate()
            ins.communicate(timeout=60)
    finally:
        broker.terminate()
        broker.wait(10)
    assert mon.returncode == 0, mon.stderr
    assert "in step with the instructor" in mon.stderr
