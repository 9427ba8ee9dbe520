#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: runs Offramp's silent migration on a host and maps its exit code to changed/failed/reboot."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: offramp
short_description: Remove Kaspersky and install a replacement with Offramp
version_added: "0.1.0"
description:
  - Scans the host with C(offramp scan). When nothing banned is found, nothing changes.
  - Otherwise runs C(offramp migrate --silent) (or C(offramp resume --silent) after a restart) and reports
    Offramp's exit code in Ansible's terms.
  - In check mode, runs C(offramp plan) and returns the steps a migration would take.
options:
  command:
    description: C(migrate) scans and migrates; C(resume) continues a migration a restart interrupted.
    type: str
    choices: [migrate, resume]
    default: migrate
  to:
    description: The replacement, a playbook id or a playbook file on the host. Required unless O(remove_only).
    type: str
  on_leftovers:
    description:
      - What to do on a host where nothing banned is installed but parts are left behind (after an
        earlier uninstall, or after a migration whose policy leaves them for a person).
      - C(report) returns them in RV(leftovers) and changes nothing, so a second run reports C(changed=0).
      - C(migrate) runs the migration, which removes what the policy lets it remove.
    type: str
    choices: [report, migrate]
    default: report
  remove_only:
    description: Remove the banned software and install nothing.
    type: bool
    default: false
  root:
    description: Work on a mounted Linux or macOS system at this folder instead of the running one.
    type: path
  policy:
    description: An admin policy file (YAML) on the host.
    type: path
  report:
    description: Where Offramp writes its JSON report on the host.
    type: path
    required: true
  executable:
    description: The Offramp command line program.
    type: path
    default: offramp
  environment:
    description: Extra environment variables for Offramp (for example C(OFFRAMP_HOME), or the variables a
      policy names for uninstall passwords, so no password is ever on a command line).
    type: dict
    default: {}
author:
  - Offramp contributors
"""

EXAMPLES = r"""
- name: Move to Microsoft Defender
  offramp.migrate.offramp:
    to: microsoft-defender
    report: C:\ProgramData\Offramp\report.json
  register: offramp

- name: Restart when Offramp asks for it
  ansible.windows.win_reboot:
  when: offramp.reboot_required
"""

RETURN = r"""
exit_code:
  description: Offramp's exit code (0, 3010, 1641, 1618, 1602, 1603, 2, 20-29, 70).
  returned: when Offramp ran
  type: int
reboot_required:
  description: Offramp finished what it could and resumes after a restart (exit 3010).
  returned: always
  type: bool
rebooting:
  description: Offramp started the restart itself (exit 1641).
  returned: always
  type: bool
retry:
  description: Another installation was in progress (exit 1618); run again later.
  returned: always
  type: bool
verdict:
  description: The scan's verdict before any change (clean, leftovers, banned-installed).
  returned: when the scan ran
  type: str
leftovers:
  description: Parts of the banned software the scan found when nothing banned is installed.
  returned: when the scan found leftovers only
  type: list
  elements: str
plan:
  description: In check mode, the steps a migration would take (id and title).
  returned: in check mode
  type: list
  elements: dict
report:
  description: The JSON report Offramp wrote (outcome, removed, installed, steps).
  returned: when Offramp wrote one
  type: dict
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

# Offramp's exit codes (README.md), the Windows Installer ones that deployment tools already know.
SUCCESS = 0
REBOOT_REQUIRED = 3010
REBOOT_STARTED = 1641
RETRY_LATER = 1618
USAGE = 2
SCAN_CLEAN = 0
SCAN_FOUND = 1
POSIX_STATUS = {code & 0xFF: code for code in (REBOOT_REQUIRED, REBOOT_STARTED, RETRY_LATER, 1602, 1603)}


def _run(module, argv, env):
    rc, out, err = module.run_command(argv, environ_update=env)
    return rc, out, err


def _json(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def _read_report(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _why(report, rc, err):
    """Offramp's own words for the failure: the outcome and the step that stopped it."""
    if not report:
        return (err or "").strip() or "offramp exited with %d" % rc
    words = report.get("outcome") or "exit %d" % rc
    for step in report.get("steps") or []:
        if step.get("status") in ("failed", "cancelled"):
            words += ": step %s '%s'" % (step.get("number"), step.get("title"))
            if step.get("message"):
                words += ": %s" % step["message"]
            break
    return words


def main():
    module = AnsibleModule(
        argument_spec=dict(
            command=dict(type="str", choices=["migrate", "resume"], default="migrate"),
            to=dict(type="str"),
            remove_only=dict(type="bool", default=False),
            on_leftovers=dict(type="str", choices=["report", "migrate"], default="report"),
            root=dict(type="path"),
            policy=dict(type="path"),
            report=dict(type="path", required=True),
            executable=dict(type="path", default="offramp"),
            environment=dict(type="dict", default={}),
        ),
        required_if=[("command", "migrate", ("to", "remove_only"), True)],
        supports_check_mode=True,
    )
    p = module.params
    env = {str(k): str(v) for k, v in p["environment"].items()}
    result = dict(changed=False, reboot_required=False, rebooting=False, retry=False)
    target = ["--root", p["root"]] if p["root"] else []
    choice = ["--remove-only"] if p["remove_only"] else ["--to", p["to"]]
    if p["policy"]:
        choice += ["--policy", p["policy"]]

    if p["command"] == "migrate":
        rc, out, err = _run(module, [p["executable"], "scan", "--json"] + target, env)
        scan = _json(out) if rc in (SCAN_CLEAN, SCAN_FOUND) else None
        if scan is None:
            module.fail_json(msg="offramp scan failed: %s" % (err.strip() or out.strip()), exit_code=rc, **result)
        result["verdict"] = scan.get("verdict")
        if rc == SCAN_CLEAN:
            module.exit_json(msg="nothing banned found: nothing to do", **result)
        if scan.get("verdict") == "leftovers" and p["on_leftovers"] == "report":
            result["leftovers"] = ["%s %s" % (x.get("kind"), x.get("name")) for x in scan.get("leftovers", [])]
            module.exit_json(msg="nothing banned installed; %d leftovers reported" % len(result["leftovers"]), **result)
        if module.check_mode:
            rc, out, err = _run(module, [p["executable"], "plan", "--json"] + target + choice, env)
            plan = _json(out)
            if rc != SUCCESS or plan is None:
                module.fail_json(msg="offramp plan failed: %s" % (err.strip() or out.strip()), exit_code=rc, **result)
            result["plan"] = [{"id": s.get("id"), "title": s.get("title")} for s in plan.get("steps", [])]
            result["changed"] = True
            module.exit_json(msg="a migration would take %d steps" % len(result["plan"]), **result)
        argv = [p["executable"], "migrate", "--silent", "--report", p["report"]] + target + choice
    else:
        if module.check_mode:
            result["changed"] = True
            module.exit_json(msg="would resume the interrupted migration", **result)
        argv = [p["executable"], "resume", "--silent"]

    rc, out, err = _run(module, argv, env)
    # A POSIX exit status keeps only the low 8 bits: 3010 arrives as 194, 1641 as 105, 1618 as 82.
    rc = POSIX_STATUS.get(rc, rc) if os.name == "posix" else rc
    report = _read_report(p["report"])
    if p["command"] == "resume" and rc == USAGE and report and report.get("finished") and report.get("exit_code") == 0:
        # Offramp's own resume entry (RunOnce, a LaunchDaemon, a systemd unit) already finished it after the restart.
        rc = SUCCESS
    result.update(exit_code=rc, report=report, stdout=out, stderr=err)
    if rc in (SUCCESS, REBOOT_REQUIRED, REBOOT_STARTED):
        result["changed"] = True
        result["reboot_required"] = rc == REBOOT_REQUIRED
        result["rebooting"] = rc == REBOOT_STARTED
        module.exit_json(msg=(report or {}).get("outcome") or "done", **result)
    result["retry"] = rc == RETRY_LATER
    module.fail_json(msg=_why(report, rc, err), **result)


if __name__ == "__main__":
    main()
