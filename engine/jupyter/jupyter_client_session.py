"""A session with the studio's kernel driven by Jupyter's own client library (jupyter_client).

Run by engine/jupyter/jupyter-client.test.ts: python3 jupyter_client_session.py KERNEL_NAME
(with JUPYTER_PATH pointing at a temporary kernelspec). Prints one JSON report of what the
client saw; the test asserts on it.
"""
import json
import sys
import traceback

from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session

TIMEOUT = 60


def main(kernel_name):
    report = {}
    km, kc = start_new_kernel(kernel_name=kernel_name, startup_timeout=TIMEOUT)

    def run(code, **kw):
        outputs = []
        reply = kc.execute_interactive(code, timeout=TIMEOUT, output_hook=lambda m: outputs.append({"msg_type": m["msg_type"], **m["content"]}), **kw)
        return reply["content"], outputs

    def text(outputs):
        return "".join(str(o.get("data", {}).get("text/plain", "")) + o.get("text", "") for o in outputs if o["msg_type"] in ("execute_result", "display_data", "stream"))

    def wait_iopub(msg_id, kind):
        while True:
            m = kc.get_iopub_msg(timeout=TIMEOUT)
            if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == kind:
                return m

    def shell_reply(msg_id):
        while True:
            m = kc.get_shell_msg(timeout=TIMEOUT)
            if m["parent_header"].get("msg_id") == msg_id:
                return m["content"]

    try:
        info = kc.kernel_info(reply=True, timeout=TIMEOUT)["content"]
        report["kernel_info"] = {k: info.get(k) for k in ("protocol_version", "implementation", "language_info")}

        r1, _ = run("const x: number = 40")
        r2, o2 = run("x + 2")
        r3, _ = run("const x = 41;\nx + 1")
        report["state"] = {"first": r1["status"], "sum": text(o2), "count": r2["execution_count"], "redeclare": r3["status"], "counts": [r1["execution_count"], r2["execution_count"], r3["execution_count"]]}

        _, o_sql = run("%%sql t\nselect 7 as seven, 'a' as letter")
        _, o_rows = run("t.numRows")
        report["sql"] = {"table": [sorted(o.get("data", {}).keys()) for o in o_sql if o["msg_type"] == "execute_result"], "rows": text(o_rows)}

        _, o_disp = run("display('10%', { id: 'progress' });\ndisplay('100%', { id: 'progress', update: true })")
        report["display"] = [{"msg_type": o["msg_type"], "text": o.get("data", {}).get("text/plain"), "display_id": o.get("transient", {}).get("display_id")} for o in o_disp if "display" in o["msg_type"]]

        r_err, o_err = run("const note = 'ok';\nthrow new TypeError('boom at ' + note)")
        report["error"] = {"reply": {k: r_err.get(k) for k in ("status", "ename", "evalue")}, "iopub": [o.get("ename") for o in o_err if o["msg_type"] == "error"], "traceback": r_err.get("traceback")}

        # Both requests must be waiting in the kernel's queue when the first one fails: hold the
        # kernel in an input() prompt while they are sent, then answer it.
        gate = kc.execute("await input('go? ')", allow_stdin=True)
        kc.get_stdin_msg(timeout=TIMEOUT)
        first = kc.execute("throw new Error('stop here')")
        second = kc.execute("const neverRuns = 1")
        kc.input("go")
        shell_reply(gate)
        report["stop_on_error"] = [shell_reply(first)["status"], shell_reply(second)["status"]]

        r_ue, _ = run("const y = 5", user_expressions={"twice": "y * 2", "bad": "nope()"})
        ue = r_ue["user_expressions"]
        report["user_expressions"] = {"twice": ue["twice"]["data"]["text/plain"], "bad": ue["bad"]["status"]}

        quietly = lambda m: None
        before = kc.execute_interactive("1", timeout=TIMEOUT, output_hook=quietly)["content"]["execution_count"]
        silent_outputs = []
        kc.execute_interactive("const quiet = 3; quiet", silent=True, timeout=TIMEOUT, output_hook=lambda m: silent_outputs.append(m["msg_type"]))
        after = kc.execute_interactive("quiet", timeout=TIMEOUT, output_hook=quietly)["content"]["execution_count"]
        report["silent"] = {"outputs": [t for t in silent_outputs if t != "status"], "count_step": after - before}

        report["history"] = [h[2] for h in kc.history(hist_access_type="tail", n=2, reply=True, timeout=TIMEOUT)["content"]["history"]]
        report["comm_info"] = kc.comm_info(reply=True, timeout=TIMEOUT)["content"]

        report["complete"] = kc.complete("sq", 2, reply=True, timeout=TIMEOUT)["content"]
        run("const rows = await sql`select 1 as one`")
        report["complete_member"] = kc.complete("rows.col", 8, reply=True, timeout=TIMEOUT)["content"]["matches"]
        report["inspect"] = kc.inspect("x", 1, reply=True, timeout=TIMEOUT)["content"]
        report["inspect_table"] = kc.inspect("t", 1, reply=True, timeout=TIMEOUT)["content"]["data"].get("text/plain")
        report["is_complete"] = [shell_reply(kc.is_complete(c))["status"] for c in ("for (const r of rows) {", "x + 1", "const = ;")]

        asking = kc.execute("const who = await input('who? ')", allow_stdin=True)
        req = kc.get_stdin_msg(timeout=TIMEOUT)
        kc.input("Ada")
        shell_reply(asking)
        _, o_who = run("who")
        report["input"] = {"prompt": req["content"]["prompt"], "value": text(o_who)}

        waiting = kc.execute("await new Promise((resolve) => setTimeout(resolve, 600000))")
        wait_iopub(waiting, "execute_input")
        km.interrupt_kernel()
        r_int = shell_reply(waiting)
        _, o_kept = run("x")
        report["interrupt_async"] = {"status": r_int["status"], "ename": r_int.get("ename"), "kept": text(o_kept)}

        looping = kc.execute("while (true) {}")
        wait_iopub(looping, "execute_input")
        km.interrupt_kernel()
        r_loop = shell_reply(looping)
        _, o_gone = run("typeof x")
        _, o_fresh = run("6 * 7")
        report["interrupt_loop"] = {"status": r_loop["status"], "ename": r_loop.get("ename"), "x_after": text(o_gone), "fresh": text(o_fresh)}

        # Messages signed with the wrong key, or not signed at all, must never run.
        sock = kc.shell_channel.socket
        forged = []
        for key in (b"not-the-key", b""):
            m = Session(key=key, username="intruder").send(sock, "execute_request", content={"code": "globalThis.hacked = 'yes'", "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False})
            forged.append(m["header"]["msg_id"])
        probe = kc.execute("typeof hacked")
        replies_to_forged = 0
        while True:
            m = kc.get_shell_msg(timeout=TIMEOUT)
            if m["parent_header"].get("msg_id") in forged:
                replies_to_forged += 1
            if m["parent_header"].get("msg_id") == probe:
                break
        r_probe = wait_iopub(probe, "execute_result")
        report["bad_signature"] = {"replies": replies_to_forged, "hacked": r_probe["content"]["data"]["text/plain"]}

        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=TIMEOUT)
        r_new, o_new = run("typeof x")
        report["restart"] = {"x": text(o_new), "count": r_new["execution_count"]}
    except Exception:
        report["exception"] = traceback.format_exc()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
        report["alive_after_shutdown"] = km.is_alive()
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
