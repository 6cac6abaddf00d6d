#!/usr/bin/env python3
"""Generate the sample corpus of PSM activity-log jobs in ``data/sample/``.

The corpus stands in for a real identity domain's activity log: about three months of Cloud
Stack and PaaS service jobs, one JSON file per job, each shaped like the body that
``GET /paas/api/v1.1/activitylog/{identityDomainId}/stack/job/{jobId}`` (stack jobs) or
``.../job/{jobId}`` (service jobs) returns. Reports, notebooks, benchmarks and tests run on it
without network access or credentials. The two real bodies in ``data/examples/`` are the model
for every field, message and spacing choice below.

Usage::

    python data/make_sample.py                     # writes data/sample/job-<jobId>.json
    python data/make_sample.py --out /tmp/x --jobs 500

Only the standard library is used. The script first deletes every ``job-*.json`` in the output
folder, so a smaller ``--jobs`` leaves no stale files behind.

Determinism
-----------
All randomness comes from one ``random.Random(SEED)`` (``SEED = 20260801``, the first day of
the window), drawn in a fixed order; times are kept as integer milliseconds; files are written
as UTF-8 with ``\\n`` line endings, ``indent=2`` and a fixed key order. Running the script twice
gives byte-identical files (``tests/test_sample_data.py`` checks this, and that the committed
``data/sample/`` equals a fresh run). ``--seed`` exists for experiments only; the committed
corpus uses the default.

Time line
---------
* Window: 2026-08-01 00:00 UTC to 2026-10-30. The corpus is a snapshot taken at
  ``SNAPSHOT`` = 2026-10-30 16:45:12.400 UTC. Finished jobs start before 2026-10-30 12:00.
* About 13 % of jobs are scheduled backups (``initiatedBy`` ``SYSTEM``, no ``authUser``) that
  start at 01:00, 01:30, 02:00, 02:30 or 03:00 UTC plus up to 90 s of scheduler jitter, on any
  day of the week.
* User jobs fall on weekdays; a weekend day keeps a drawn job with probability 0.12. The hour
  of day is a mixture: 55 % a European team (normal, mean 11:30, sd 2.4 h, clipped to
  06:30-18:30), 37 % a US team (mean 17:00, sd 2.3 h, clipped to 12:30-23:30) and 8 % uniform
  over the whole day (on-call and night work).
* The last ``N_RUNNING`` = 4 jobs are ``RUNNING`` at the snapshot: long operations (a
  database create, else restore; a database backup; a stack create with a database; a Java
  Cloud or SOA scale-out), each taking the first alternative its instance's state allows. The
  start is placed so that the snapshot falls inside the job's longest step, and its messages
  stop at the snapshot. ``N_NEW`` = 3 jobs are ``NEW`` (a start, a scale-out, a stack delete,
  with fallbacks): submitted 5 s to 4 min before the snapshot, with only their first message,
  and the last of them without a ``messages`` field at all. Neither kind has an ``endDate``,
  as the API documents.

Who and what
------------
* Three identity domains: two IDCS-style (``idcs-<32 hex>``) and one traditional name; the
  first holds most services and stacks. ``authDomain`` equals ``identityDomain``.
  ``authUser`` is an ``example.com`` e-mail of one of the domain's users for ``USER`` jobs and
  is absent for ``SYSTEM`` jobs.
* Cloud Stack jobs (``serviceType`` ``cloudstack``, about 23 % of user jobs) create and delete
  twelve stacks. Each stack has a template naming its child services in creation order
  (database ``<Stack>-DB``, MySQL ``<Stack>-MySQL``, Java Cloud ``<Stack>-JCS``, application
  container ``<Stack>-App``); creates report each child in that order, deletes in reverse.
  A stack alternates between existing and not existing, so creates and deletes interleave and
  dev stacks are recreated. The child services are not also listed as service jobs.
* Service jobs run on 23 named instances of ``jaas`` (Java Cloud), ``soa``, ``dbaas``,
  ``apaas`` (Application Container) and ``MySQLCS``; jobs that the automation account
  ``ops.automation@example.com`` submits (an older client) write ``JaaS`` instead of ``jaas``.
  Thirteen instances exist before the window; the rest are created during it. The generator
  tracks each instance's state (exists, running or stopped, node count, last backup, busy until
  its current job ends) so the sequence of operations is plausible: eight production instances
  are never deleted, START only on a stopped instance, SCALE_IN only with more than one node,
  RESTORE from the instance's last backup, no two overlapping jobs on one instance, a failed
  create leaves nothing behind. A user job first draws its operation with weights CREATE 7,
  DELETE 4, SCALE_OUT 9, SCALE_IN 6, START 16, STOP 11, BACKUP 12, RESTORE 4,
  SSH_PUBLIC_KEY_RESET 5, then an instance for which it is valid (drawing again if none is).
* Messages follow the vendor wording seen in ``data/examples/``: ``Activity Submitted``,
  ``Activity Started`` ... ``Activity Ended`` for service jobs; bracketed names
  (``service [ordersjcs]``, ``host [ordersjcs-wls-2]``), child-job ids (``Child job [3123456]``,
  a few numbers above the parent's id), VM paths (``wls/vm-2``), trailing ``...``. Java Cloud and
  SOA scale jobs carry the undocumented ``host``, ``serverType``, ``resourceName``,
  ``resourceType`` and ``resourceId`` fields and a managed-server name as ``summaryMessage``,
  like the real scale-in. Managed servers are named as Java Cloud does: the first eight
  characters of ``<service>_domain`` (without a trailing ``_``) plus ``_server_<n>``
  (``techco`` gives ``techco_d_server_2``). SSH key resets mention only a truncated key prefix.

Ids
---
Ids increase with start time. Stack jobs have 5-digit ids from 80212, service jobs 7-digit ids
from 3104217; each step adds a random amount plus an amount proportional to the hours since
the previous job of the family (other tenants' jobs share the sequence). ``activityLogId``
follows its own sequences (5-digit for stacks, 7-digit from 1402118 for services), so it never
equals a ``jobId``. ``serviceId`` is given when an instance or stack is created (4-digit for
stacks, 5-digit for services; a recreated stack gets a new one) and ``operationId`` equals it,
as in both real examples.

Durations
---------
The gap before each message is drawn from a log-normal distribution for the step's kind
(``STEP_KINDS``: median seconds and sigma of the logarithm), times a per-job speed factor
(log-normal, sigma 0.12) so a slow job tends to be slow throughout. Kinds range from
milliseconds (``Activity Ended`` after the last step) through seconds (scripts) and minutes
(remote scripts, VM start and stop) to tens of minutes (VM provisioning, median 10.5 min, about
6-19 min; database creation, median 29 min, about 21-40 min; database backup, median 24 min in
one silent gap). Queue time between ``Activity Submitted`` and ``Activity Started`` is usually
seconds (median 4.5 s) and in 10 % of jobs minutes (median 2.5 min). ``N_OUTLIERS`` = 4
finished jobs get their longest step multiplied by 5-10, so percentile and outlier analyses
have something to find. In 5 % of successful service jobs ``Activity Ended`` is repeated 16 ms
later, as seen in the wild. The first message equals ``startDate``; for finished jobs the last
message equals ``endDate``.

Outcomes
--------
Each operation has a failure probability (``FAIL_P``: creates, restores and scale-outs fail
most; about 9 % overall). Outcomes are drawn by systematic sampling rather than one coin per
job: each job adds its probability to a running sum, and the job at which the sum passes the
next threshold (thresholds spaced uniformly 0.5-1.5 apart) fails. Failures still fall more
often on the risky operations, but their number stays within about one of the expected count.
The outlier jobs always succeed. A FAILED job stops at the step where its error arises and its
last message carries an error code (``SM-BKP-5127: Backup failed: insufficient space in storage
container [...]``, ``PSM-CRT-1042: ...``), at ``endDate``. A failed stack create reports the
failing child, rolls back the children already created and ends with ``PSM-STK-3051``. The
same scheme makes about 5 % of backups, starts, scale-outs and key resets end ``WARN``, with a
warning message before the last step.
A few messages exercise CSV quoting: commas, double quotes (``Error: "disk full", retrying``),
a line break, and a message starting with ``-`` (``-- retry 2 of 3 --``).
"""

from __future__ import annotations

import argparse
import json
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20260801
DEFAULT_JOBS = 240
UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

WINDOW_START = datetime(2026, 8, 1, tzinfo=UTC)
WINDOW_DAYS = 91  # 2026-08-01 .. 2026-10-30
LAST_FINISHED_START = datetime(2026, 10, 30, 12, 0, tzinfo=UTC)
SNAPSHOT = datetime(2026, 10, 30, 16, 45, 12, 400000, tzinfo=UTC)

N_RUNNING = 4
N_NEW = 3
N_OUTLIERS = 4
SYSTEM_SHARE = 0.13
STACK_SHARE = 0.23

# Step kinds: (median seconds, sigma of the log). The gap *before* a message is drawn from its kind.
STEP_KINDS = {
    "tiny": (0.005, 0.5),  # same process, next log line
    "ms": (0.035, 0.7),  # Activity Ended after the last step
    "sub": (0.25, 0.6),  # sub-second bookkeeping
    "short": (1.4, 0.6),  # a quick API call
    "script": (4.0, 0.5),  # submitting a script
    "remote": (65.0, 0.3),  # remote script execution
    "long_remote": (240.0, 0.35),  # domain creation/extension, schema scripts
    "server_start": (70.0, 0.3),
    "vm_start": (75.0, 0.35),
    "vm_stop": (125.0, 0.3),
    "vm_remove": (6.0, 0.4),
    "vm_provision": (630.0, 0.3),  # ~6-19 min
    "db_create": (1740.0, 0.16),  # ~21-40 min
    "db_backup": (1440.0, 0.35),  # one long silent gap
    "jcs_backup": (300.0, 0.4),
    "mysql_backup": (240.0, 0.5),
    "mysql_init": (180.0, 0.35),
    "restore": (1080.0, 0.35),
    "restore_small": (360.0, 0.4),
    "delete_storage": (20.0, 0.5),
    "accs_create": (95.0, 0.3),  # the seed example: 95.042 s
    "accs_build": (110.0, 0.35),
    "accs_launch": (40.0, 0.4),
    "accs_stop": (20.0, 0.4),
    "accs_delete": (40.0, 0.4),
    "jcs_create": (2100.0, 0.2),  # a whole Java Cloud instance, seen from a stack
    "jcs_delete": (540.0, 0.3),
    "db_delete": (300.0, 0.3),
    "mysql_create": (900.0, 0.25),
    "mysql_delete": (180.0, 0.3),
}

DOMAINS = [
    (
        "idcs-4f2a9c7e81b34d0a9e5c2b71f06d3a88",
        [
            "maria.keller@example.com",
            "j.okafor@example.com",
            "p.lindqvist@example.com",
            "t.nguyen@example.com",
            "ops.automation@example.com",
        ],
    ),
    ("idcs-b81e0d5a3c7f4e2996a1d4c8e07f5b23", ["s.tanaka@example.com", "r.alvarez@example.com"]),
    ("acmeretaildev", ["cloud.admin@example.com"]),
]

AUTOMATION_USER = "ops.automation@example.com"  # an older client: writes serviceType "JaaS"

# name, serviceType, domain index, exists before the window, nodes, load balancer, database
SERVICES = [
    ("ordersjcs", "jaas", 0, True, 2, True, "ordersdb"),
    ("hrwls", "jaas", 0, True, 1, False, "hrdb"),
    ("finjcs01", "jaas", 0, True, 3, True, "ledgerdb"),
    ("b2bportal", "jaas", 1, True, 2, False, "financedw"),
    ("pricingjcs", "jaas", 0, False, 2, False, "ordersdb"),
    ("claimswls", "jaas", 2, False, 1, False, "claimsdb"),
    ("soaprod", "soa", 0, True, 2, True, "soainfradb"),
    ("b2bsoa", "soa", 1, True, 1, False, "financedw"),
    ("intsoadev", "soa", 0, False, 1, False, "crmdb01"),
    ("ordersdb", "dbaas", 0, True, 1, False, ""),
    ("crmdb01", "dbaas", 0, True, 1, False, ""),
    ("ledgerdb", "dbaas", 0, True, 1, False, ""),
    ("hrdb", "dbaas", 0, False, 1, False, ""),
    ("financedw", "dbaas", 1, True, 1, False, ""),
    ("qadb02", "dbaas", 0, False, 1, False, ""),
    ("shopapi", "apaas", 0, True, 2, False, ""),
    ("notifyworker", "apaas", 0, True, 1, False, ""),
    ("pricingsvc", "apaas", 0, False, 1, False, ""),
    ("catalogui", "apaas", 1, False, 2, False, ""),
    ("webhooks", "apaas", 2, False, 1, False, ""),
    ("inventorymysql", "MySQLCS", 0, True, 1, False, ""),
    ("loyaltymy", "MySQLCS", 0, False, 1, False, ""),
    ("eventsmysql", "MySQLCS", 1, False, 1, False, ""),
]

# production instances: backed up, scaled, restarted, never deleted
PRODUCTION = {"ordersjcs", "finjcs01", "soaprod", "ordersdb", "ledgerdb", "financedw", "shopapi",
              "inventorymysql"}

# name, domain index, exists before the window, children in creation order
STACKS = [
    ("OrdersStack", 0, True, ("DB", "App")),
    ("HRPortalDev", 0, False, ("DB", "JCS")),
    ("AnotherDevStack", 0, True, ("App",)),
    ("InvoicingQA", 0, False, ("DB", "JCS")),
    ("CatalogStack", 1, True, ("MySQL", "App")),
    ("PayrollTest", 0, False, ("DB", "JCS", "App")),
    ("PartnerPortalDev", 0, False, ("App",)),
    ("InventoryDev", 0, False, ("MySQL", "App")),
    ("LoyaltyStack", 0, True, ("DB", "App")),
    ("ClaimsDemo", 2, False, ("App",)),
    ("ReportingSandbox", 1, False, ("DB",)),
    ("ShopFrontUAT", 0, False, ("MySQL", "App")),
]

# child suffix: label in messages, create step kind, delete step kind
STACK_CHILDREN = {
    "DB": ("Database Cloud Service", "db_create", "db_delete"),
    "MySQL": ("MySQL Cloud Service", "mysql_create", "mysql_delete"),
    "JCS": ("Java Cloud Service", "jcs_create", "jcs_delete"),
    "App": ("ACCS Service", "accs_create", "accs_delete"),
}

# template parameters a stack create can reject, by child
TEMPLATE_PARAMS = {
    "DB": ["dbVersion", "shape", "backupContainer"],
    "MySQL": ["mysqlVersion", "shape"],
    "JCS": ["wlsVersion", "shape", "clusterSize"],
    "App": ["runtime", "memory", "archiveURL"],
}

OP_WEIGHTS = [
    ("CREATE_SERVICE", 7),
    ("DELETE_SERVICE", 4),
    ("SCALE_OUT", 9),
    ("SCALE_IN", 6),
    ("START_SERVICE", 16),
    ("STOP_SERVICE", 11),
    ("BACKUP", 12),
    ("RESTORE", 4),
    ("SSH_PUBLIC_KEY_RESET", 5),
]
FAIL_P = {
    "CREATE_SERVICE": 0.14,
    "DELETE_SERVICE": 0.06,
    "SCALE_OUT": 0.12,
    "SCALE_IN": 0.06,
    "START_SERVICE": 0.08,
    "STOP_SERVICE": 0.04,
    "BACKUP": 0.10,
    "RESTORE": 0.15,
    "SSH_PUBLIC_KEY_RESET": 0.07,
    "STACK_CREATE": 0.12,
    "STACK_DELETE": 0.05,
}
WARN_P = 0.05
SCALABLE = {"jaas", "soa", "apaas"}
BACKUPABLE = {"jaas", "soa", "dbaas", "MySQLCS"}
RESTORABLE = {"jaas", "dbaas", "MySQLCS"}
SSH_TYPES = {"jaas", "soa", "dbaas", "MySQLCS"}
MAX_NODES = 4

# Errors of FAILED service jobs: (operation, families or None for all, anchor, message).
# The job stops at the first step whose text contains the anchor (or a random step when none
# does) and the error message takes that step's place.
ERRORS = [
    ("CREATE_SERVICE", {"jcs", "db", "mysql"}, "IAAS resource creation child job",
     "PSM-CRT-1042: Provisioning of service [{name}] failed: compute quota exceeded, "
     "requested [{ocpu}] OCPUs, [{avail}] available"),
    ("CREATE_SERVICE", {"db"}, "created on host",
     "PSM-CRT-1107: Database creation failed on host [{name}-db-1], "
     "see /u01/app/oracle/cfgtoollogs/dbca/{sid}/{sid}.log"),
    ("CREATE_SERVICE", {"jcs"}, "domain creation script",
     "PSM-CRT-1061: Domain creation for service [{name}] failed: "
     "could not connect to database [{db}] as user [{sid}_MDS]"),
    ("CREATE_SERVICE", {"app"}, "Build completed",
     'ACCS-BLD-0342: Build of application [{name}] failed: manifest.json has no "command" '
     "attribute"),
    ("DELETE_SERVICE", {"jcs", "db", "mysql"}, "Deleted storage volumes",
     "PSM-DEL-1520: Delete of service [{name}] failed: storage volume [{name}/bits] is still "
     "in state [DETACHING]\nRetry the operation in a few minutes."),
    ("DELETE_SERVICE", {"app"}, "Deleted application archive",
     "ACCS-DEL-0118: Delete of application [{name}] failed: archive [{name}.zip] is locked by "
     "another operation"),
    ("SCALE_OUT", {"jcs"}, "IAAS resource creation child job",
     "PSM-SCL-4410: Scale out of cluster [{name}_cluster] failed: IP reservation limit reached "
     "for the account"),
    ("SCALE_OUT", {"app"}, "Launched instance",
     "ACCS-SCL-0217: Scale out of application [{name}] failed: subscription memory limit "
     "reached, requested [{mem}] GB"),
    ("SCALE_IN", {"jcs"}, "shutdown script",
     "PSM-SCL-4432: Scale in of host [{hostn}] failed: managed server [{servern}] could not be "
     "shut down"),
    ("SCALE_IN", {"app"}, "Stopped instance",
     "ACCS-SCL-0231: Scale in of application [{name}] failed: instance [web.{nodes}] did not "
     "stop within [300] seconds"),
    ("START_SERVICE", {"jcs"}, "Started managed server",
     "PSM-OPS-3307: Start of service [{name}] failed: server [{server1}] did not reach RUNNING "
     "state within [600] seconds"),
    ("START_SERVICE", {"db"}, "Started database",
     "PSM-OPS-3319: Start of database [{sid}] failed: ORA-01034: ORACLE not available"),
    ("START_SERVICE", {"mysql"}, "Started MySQL server",
     "PSM-OPS-3325: Start of MySQL server on host [{host1}] failed: InnoDB recovery did not "
     "complete"),
    ("START_SERVICE", {"app"}, "Launched instance",
     "ACCS-OPS-0140: Start of application [{name}] failed: health check on [/health] returned "
     "[503]"),
    ("STOP_SERVICE", {"jcs", "db", "mysql"}, "Stopped",
     "PSM-OPS-3342: Stop of service [{name}] failed: VM [{host1}] did not respond to the "
     "shutdown request"),
    ("STOP_SERVICE", {"app"}, "Stopped instance",
     "ACCS-OPS-0152: Stop of application [{name}] failed: instance [web.1] did not stop within "
     "[300] seconds"),
    ("BACKUP", {"db", "mysql"}, "completed on host",
     "SM-BKP-5127: Backup failed: insufficient space in storage container [{container}]"),
    ("BACKUP", {"jcs"}, "config lock script",
     "SM-BKP-5131: Backup of service [{name}] failed: config lock could not be acquired, "
     "another operation is in progress"),
    ("RESTORE", None, "Restored",
     "PSM-RST-2203: Restore of service [{name}] failed: backup [{bid}] is incomplete or corrupt"),
    ("SSH_PUBLIC_KEY_RESET", None, "Public key",
     "PSM-SSH-6002: Public key update failed on host [{host1}]: VM not reachable over SSH"),
]

# Warnings of WARN jobs, by (operation, family); the message goes before the last step.
WARNINGS = {
    ("BACKUP", "db"): "Backup completed with warnings: archive log [thread 1, sequence {seq}] "
    "could not be read and was skipped",
    ("BACKUP", "mysql"): "Backup completed with warnings: table [events.audit_trail] changed "
    "during the backup, a consistent copy is not guaranteed",
    ("BACKUP", "jcs"): "Backup completed with warnings: file [/u01/data/domains/{name}_domain/"
    "servers/{server1}/logs/access.log] changed while it was being read",
    ("START_SERVICE", "jcs"): "Service [{name}] started with warnings: managed server "
    "[{servern}] is in state [ADMIN], not [RUNNING]",
    ("START_SERVICE", "db"): "Database [{sid}] started with warnings: listener on host [{host1}] "
    "took more than [120] seconds to register the service",
    ("START_SERVICE", "mysql"): "MySQL server on host [{host1}] started with warnings: InnoDB "
    "buffer pool could not be restored",
    ("START_SERVICE", "app"): "Application [{name}] started with warnings: instance [web.{nodes}] "
    "failed its first health check, restarted once",
    ("SCALE_OUT", "jcs"): "Domain configuration verify script on service [{name}] reported "
    "[2] warning(s), see the server logs",
    ("SCALE_OUT", "app"): "Instance [web.{next}] of application [{name}] was registered with the "
    "load balancer after [3] attempts",
    ("SSH_PUBLIC_KEY_RESET", "jcs"): "Public key could not be verified on host [{hostn}], the "
    "previous key may still be accepted",
    ("SSH_PUBLIC_KEY_RESET", "db"): "Public key could not be verified on host [{host1}], the "
    "previous key may still be accepted",
    ("SSH_PUBLIC_KEY_RESET", "mysql"): "Public key could not be verified on host [{host1}], the "
    "previous key may still be accepted",
}

FAMILY = {"jaas": "jcs", "soa": "jcs", "dbaas": "db", "apaas": "app", "MySQLCS": "mysql"}


def to_ms(dt: datetime) -> int:
    return (dt - EPOCH) // timedelta(milliseconds=1)


def fmt(ms: int) -> str:
    """Format epoch milliseconds as the API does: 2016-07-25T22:51:16.143+0000."""
    dt = EPOCH + timedelta(milliseconds=ms)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}+0000"


def server_prefix(name: str) -> str:
    """Java Cloud names managed servers after the first 8 characters of '<service>_domain'.

    ``techco`` gives ``techco_d`` (as in the real scale-in example); a trailing underscore is
    dropped (``soaprod`` gives ``soaprod``).
    """
    return (name + "_domain")[:8].rstrip("_")


@dataclass
class Entity:
    name: str
    stype: str
    domain: int
    stack: bool = False
    children: tuple = ()
    nodes: int = 1
    lb: bool = False
    db: str = ""
    exists: bool = False
    running: bool = True
    service_id: int = 0
    busy_until: int = 0
    backup: str = ""

    @property
    def family(self) -> str:
        return "stack" if self.stack else FAMILY[self.stype]

    @property
    def sid(self) -> str:
        return self.name[:8].upper()

    def host(self, i: int) -> str:
        suffix = {"jcs": "wls", "db": "db", "mysql": "mysql"}.get(self.family, "app")
        return f"{self.name}-{suffix}-{i}"


@dataclass
class Job:
    entity: Entity
    family: str  # "stack" or "service"
    op: str
    start: int
    status: str
    initiated_by: str
    user: str | None
    service_type: str
    service_id: int
    summary: str
    extras: dict | None
    gaps: list  # [gap_ms, text]; the first gap is 0
    has_messages: bool = True
    job_id: int = 0
    log_id: int = 0
    children: list = field(default_factory=list)

    @property
    def offsets(self) -> list[int]:
        out, t = [], 0
        for gap, _ in self.gaps:
            t += gap
            out.append(t)
        return out

    @property
    def end(self) -> int:
        return self.start + sum(g for g, _ in self.gaps)


class Generator:
    def __init__(self, seed: int, n_jobs: int):
        self.rng = random.Random(seed)
        self.n_jobs = n_jobs
        self.service_seq = 88020
        self.stack_seq = 2104
        self.resource_seq = 96204
        self.fail_acc, self.fail_next = 0.0, self.rng.uniform(0.0, 1.0)
        self.warn_acc, self.warn_next = 0.0, self.rng.uniform(0.0, 1.0)
        self.entities: list[Entity] = []
        for name, stype, dom, exists, nodes, lb, db in SERVICES:
            e = Entity(name, stype, dom, nodes=nodes, lb=lb, db=db, exists=exists)
            if exists:
                e.service_id = self.new_service_id(e)
                # The last backup before the window: a scheduled one, 1-9 nights earlier.
                night = to_ms(WINDOW_START) - 86_400_000 * self.rng.randint(1, 9)
                e.backup = self.backup_id(e, night + 3_600_000 + self.rng.randrange(5_400_000))
            self.entities.append(e)
        for name, dom, exists, children in STACKS:
            e = Entity(name, "cloudstack", dom, stack=True, children=children, exists=exists)
            if exists:
                e.service_id = self.new_service_id(e)
            self.entities.append(e)

    # ---- random helpers -------------------------------------------------------------------
    def gap_ms(self, kind: str, speed: float, mult: float = 1.0) -> int:
        if kind == "queue":
            if self.rng.random() < 0.10:
                sec = self.rng.lognormvariate(math.log(150.0), 0.7)
            else:
                sec = self.rng.lognormvariate(math.log(4.5), 0.6)
        else:
            median, sigma = STEP_KINDS[kind]
            sec = self.rng.lognormvariate(math.log(median), sigma) * speed
        return max(1, round(sec * mult * 1000))

    def new_service_id(self, e: Entity) -> int:
        if e.stack:
            self.stack_seq += self.rng.randint(1, 6)
            return self.stack_seq
        self.service_seq += self.rng.randint(3, 25)
        return self.service_seq

    def backup_id(self, e: Entity, ms: int) -> str:
        dt = EPOCH + timedelta(milliseconds=ms)
        if e.family == "db":
            return dt.strftime("TAG%Y%m%dT%H%M%S")
        if e.family == "mysql":
            return dt.strftime("mysqlbkp-%Y%m%d%H%M")
        return str(ms // 1000)

    def draw_start(self, system: bool) -> int:
        rng = self.rng
        base = to_ms(WINDOW_START)
        while True:
            day = rng.randrange(WINDOW_DAYS)
            if system:
                minute = rng.choice([60, 90, 120, 150, 180])
                t = base + (day * 86400 + minute * 60) * 1000 + rng.randrange(90_000)
            else:
                weekday = (WINDOW_START + timedelta(days=day)).weekday()
                if weekday >= 5 and rng.random() > 0.12:
                    continue
                u = rng.random()
                if u < 0.55:
                    hour = min(18.5, max(6.5, rng.normalvariate(11.5, 2.4)))
                elif u < 0.92:
                    hour = min(23.5, max(12.5, rng.normalvariate(17.0, 2.3)))
                else:
                    hour = rng.uniform(0.0, 24.0)
                t = base + day * 86_400_000 + int(hour * 3_600_000)
            if t <= to_ms(LAST_FINISHED_START):
                return t

    # ---- choosing what happens ------------------------------------------------------------
    def free(self, t: int) -> list[Entity]:
        return [e for e in self.entities if e.busy_until < t]

    def candidates(self, op: str, t: int, types=None) -> list[Entity]:
        out = []
        for e in self.free(t):
            if e.stack or (types and e.stype not in types):
                continue
            ok = {
                "CREATE_SERVICE": not e.exists,
                "DELETE_SERVICE": e.exists and e.name not in PRODUCTION,
                "SCALE_OUT": e.exists and e.running and e.stype in SCALABLE and e.nodes < MAX_NODES,
                "SCALE_IN": e.exists and e.running and e.stype in SCALABLE and e.nodes > 1,
                "START_SERVICE": e.exists and not e.running,
                "STOP_SERVICE": e.exists and e.running,
                "BACKUP": e.exists and e.running and e.stype in BACKUPABLE,
                "RESTORE": e.exists and e.running and e.stype in RESTORABLE and bool(e.backup),
                "SSH_PUBLIC_KEY_RESET": e.exists and e.running and e.stype in SSH_TYPES,
            }[op]
            if ok:
                out.append(e)
        return out

    def pick_stack(self, t: int, want: str | None = None) -> tuple[Entity, str] | None:
        stacks = [e for e in self.free(t) if e.stack]
        if want == "CREATE_SERVICE":
            stacks = [e for e in stacks if not e.exists]
        elif want == "DELETE_SERVICE":
            stacks = [e for e in stacks if e.exists]
        if want == "CREATE_SERVICE" and any("DB" in e.children for e in stacks):
            stacks = [e for e in stacks if "DB" in e.children]
        if not stacks:
            return None
        e = self.rng.choice(stacks)
        return e, ("DELETE_SERVICE" if e.exists else "CREATE_SERVICE")

    def pick_service(self, t: int) -> tuple[Entity, str]:
        ops = [o for o, _ in OP_WEIGHTS]
        weights = [w for _, w in OP_WEIGHTS]
        for _ in range(100):
            op = self.rng.choices(ops, weights)[0]
            cands = self.candidates(op, t)
            if cands:
                return self.rng.choice(cands), op
        raise RuntimeError("no valid operation")

    # ---- building jobs --------------------------------------------------------------------
    def build(self, e: Entity, op: str, start: int, initiated_by: str, status: str,
              outlier: bool = False) -> Job:
        rng = self.rng
        speed = rng.lognormvariate(0.0, 0.12)
        dom_name, users = DOMAINS[e.domain]
        user = rng.choice(users) if initiated_by == "USER" else None
        if op == "CREATE_SERVICE":
            service_id = self.new_service_id(e)
        else:
            service_id = e.service_id
        if e.stack:
            first, steps = self.stack_steps(e, op, status)
            stype = "cloudstack"
            status_final = status
        else:
            first = "Activity Submitted"
            steps = self.service_steps(e, op, start, initiated_by)
            steps, status_final = self.apply_outcome(e, op, steps, status, start)
            stype = e.stype
            if stype == "jaas" and user == AUTOMATION_USER:
                stype = "JaaS"
        gaps = [[0, first]]
        for kind, text, mult in steps:
            gaps.append([self.gap_ms(kind, speed, mult), text])
        if outlier:
            i = max(range(1, len(gaps)), key=lambda k: gaps[k][0])
            gaps[i][0] = round(gaps[i][0] * rng.uniform(5.0, 10.0))
        if (not e.stack and status_final in ("SUCCEED", "WARN") and gaps[-1][1] == "Activity Ended"
                and rng.random() < 0.05):
            gaps.append([16, "Activity Ended"])
        summary, extras = op, None
        if e.family == "jcs" and op in ("SCALE_OUT", "SCALE_IN"):
            k = e.nodes + 1 if op == "SCALE_OUT" else e.nodes
            summary = f"{server_prefix(e.name)}_server_{k}"
            self.resource_seq += rng.randint(3, 40)
            extras = {"host": e.host(k), "serverType": "WLS", "resourceName": e.host(k),
                      "resourceType": "VM", "resourceId": self.resource_seq}
        job = Job(e, "stack" if e.stack else "service", op, start, status_final, initiated_by,
                  user, stype, service_id, summary, extras, gaps)
        job.children = [rng.randint(2, 6), rng.randint(7, 14)]
        return job

    def ctx(self, e: Entity, start: int) -> dict:
        n = e.nodes
        return {
            "name": e.name, "sid": e.sid, "db": e.db or "n/a", "nodes": n, "next": n + 1,
            "host1": e.host(1), "hostn": e.host(n),
            "server1": f"{server_prefix(e.name)}_server_1",
            "servern": f"{server_prefix(e.name)}_server_{n}",
            "container": f"Storage-acme/{e.name}_bkp", "bid": e.backup or "n/a",
            "ocpu": self.rng.choice([4, 8, 8, 16]), "avail": self.rng.choice([0, 2, 3]),
            "mem": self.rng.choice([2, 4]), "seq": self.rng.randint(40000, 60000),
        }

    def apply_outcome(self, e: Entity, op: str, steps: list, status: str, start: int):
        """Turn a successful step list into a FAILED or WARN one."""
        rng = self.rng
        if status == "FAILED":
            options = [x for x in ERRORS if x[0] == op and (x[1] is None or e.family in x[1])]
            _, _, anchor, template = rng.choice(options)
            idx = [i for i, s in enumerate(steps[1:-2], start=1) if anchor in s[1]]
            cut = idx[0] if idx else rng.randrange(1, len(steps) - 2)
            kind = steps[cut][0]
            text = template.format(**self.ctx(e, start))
            # Drop retry lines of the successful path: a failing backup gets its own.
            out = [x for x in steps[:cut]
                   if not x[1].startswith(('Error: "disk full"', "-- retry"))]
            if template.startswith("SM-BKP-5127"):
                out += [(kind, 'Error: "disk full", retrying', 0.4),
                        ("short", "-- retry 2 of 3 --", 1.0),
                        (kind, "-- retry 3 of 3 --", 0.3),
                        ("script", text, 1.0)]
            else:
                out.append((kind, text, rng.uniform(0.2, 1.0)))
            return out, "FAILED"
        if status == "WARN":
            text = WARNINGS[(op, e.family)].format(**self.ctx(e, start))
            out = steps[:-2] + [("short", text, 1.0)] + steps[-2:]
            return out, "WARN"
        return steps, status

    def stack_steps(self, e: Entity, op: str, status: str):
        rng, s = self.rng, e.name
        kids = [(f"{s}-{suf}",) + STACK_CHILDREN[suf] for suf in e.children]
        steps = []
        if op == "CREATE_SERVICE":
            first = "Stack provisioning request accepted"
            steps += [("tiny", f"Initializing stack {s}", 1.0),
                      ("ms", f"Preparing to create service {s}", 1.0)]
            fail_at = rng.randrange(len(kids)) if status == "FAILED" else None
            for i, (suffix, (child, label, ck, dk)) in enumerate(zip(e.children, kids)):
                if i > 0:
                    steps.append(("sub", f"Preparing to create service {child}", 1.0))
                if i == fail_at:
                    # How long the child ran before failing depends on the reason.
                    reason, kind, mult = rng.choice([
                        ("compute quota exceeded, requested [{}] OCPUs, [{}] available".format(
                            rng.choice([4, 8]), rng.choice([0, 2])), "remote", 1.0),
                        ("template parameter [{}] is not valid".format(
                            rng.choice(TEMPLATE_PARAMS[suffix])), "script", 1.0),
                        ("service did not reach state [READY] in the allotted time", ck, 1.6),
                    ])
                    steps.append((kind, f"Failed to create {label} {child}: {reason}", mult))
                    steps.append(("short", f"Rolling back stack {s}", 1.0))
                    for child2, label2, _, dk2 in reversed(kids[:i]):
                        steps.append(("sub", f"Deleting {label2} {child2}", 1.0))
                        steps.append((dk2, f"Successfully deleted {label2} {child2}", 1.0))
                    steps.append(("sub", f"PSM-STK-3051: Creation of stack {s} failed and was "
                                         "rolled back", 1.0))
                    return first, steps
                steps.append((ck, f"Successfully created {label} {child}", 1.0))
            steps.append(("sub", f"Completed configuring stack {s}", 1.0))
            return first, steps
        first = "Stack deletion request accepted"
        steps.append(("tiny", f"Initializing stack deletion for {s}", 1.0))
        fail_at = rng.randrange(len(kids)) if status == "FAILED" else None
        for i, (child, label, ck, dk) in enumerate(reversed(kids)):
            steps.append(("sub", f"Deleting {label} {child}", 1.0))
            if i == fail_at:
                steps.append((dk, f"PSM-STK-3090: Deletion of stack {s} failed: {label} {child} "
                                  "could not be deleted, storage volume is still attached",
                              rng.uniform(0.2, 1.0)))
                return first, steps
            steps.append((dk, f"Successfully deleted {label} {child}", 1.0))
        steps.append(("sub", f"Completed deleting stack {s}", 1.0))
        return first, steps

    def service_steps(self, e: Entity, op: str, start: int, initiated_by: str) -> list:
        fam = e.family
        body = {"jcs": self.jcs_steps, "db": self.db_steps, "app": self.app_steps,
                "mysql": self.mysql_steps}[fam](e, op, start, initiated_by)
        steps = [("queue", "Activity Started")] + body + [("ms", "Activity Ended")]
        return [(k, t, 1.0) for k, t in steps]

    def jcs_steps(self, e: Entity, op: str, start: int, initiated_by: str) -> list:
        rng, name, n = self.rng, e.name, e.nodes
        pre = server_prefix(name)
        soa = e.stype == "soa"
        S = []
        vms = [f"wls/vm-{i}" for i in range(1, n + 1)] + (["otd/vm-1"] if e.lb else [])
        if op == "CREATE_SERVICE":
            S += [("sub", f"Creating service [{name}] with [{n}] managed server(s) in cluster "
                          f"[{name}_cluster]..."),
                  ("script", f"Validated connection to database [{e.db}] for service [{name}]"),
                  ("remote", f"Successfully created IAAS resource creation child job for service "
                             f"[{name}]")]
            for i, vm in enumerate(vms):
                S.append(("vm_provision" if i == 0 else "short",
                          f"Created Virtual Machine {vm}..."))
            S.append(("sub", f"Child job [{{child1}}] completed creating all compute resources "
                             f"for service [{name}]."))
            if soa:
                S.append(("script", f"Completed patch pre-checks on host [{name}-wls-1]:\n"
                                    "14 checks passed, 0 failed"))
                S.append(("long_remote", f"Completed submitting SOA schema creation script for "
                                         f"remote execution on database [{e.db}]"))
            S.append(("long_remote", f"Completed submitting domain creation script for remote "
                                     f"execution on service [{name}]"))
            S.append(("server_start", f"Started Administration Server on host [{name}-wls-1]"))
            for i in range(1, n + 1):
                S.append(("server_start" if i == 1 else "script",
                          f"Started managed server [{pre}_server_{i}] on host [{name}-wls-{i}]"))
            if e.lb:
                S.append(("remote", f"Completed submitting OTD script for remote execution on "
                                    f"service [{name}]"))
            S.append(("sub", f"Successfully provisioned service [{name}]"))
        elif op == "SCALE_OUT":
            k = n + 1
            host = f"{name}-wls-{k}"
            S += [("sub", f"Scaling job for service [{name}] in cluster [{name}_cluster] with "
                          "factor [1] is prepared."),
                  ("script", f"Completed submitting config lock script on service [{name}]"),
                  ("remote", f"Successfully created IAAS resource creation child job for service "
                             f"[{host}]"),
                  ("vm_provision", f"Created Virtual Machine wls/vm-{k}..."),
                  ("sub", f"Child job [{{child1}}] completed creating all compute resources for "
                          f"host [{host}]."),
                  ("long_remote", f"Completed submitting domain extension script for remote "
                                  f"execution on service [{name}]"),
                  ("server_start", f"Started managed server [{pre}_server_{k}] on host [{host}]")]
            if e.lb:
                S.append(("short", f"Completed submitting OTD script for remote execution on "
                                   f"service [{name}]"))
            S += [("remote", f"Completed submitting domain config verify script for remote "
                             f"execution on service [{name}]"),
                  ("remote", f"Successfully scaled out host [{host}]")]
        elif op == "SCALE_IN":
            host = f"{name}-wls-{n}"
            S += [("sub", f"Scaling job for service [{name}] in cluster [{name}_cluster] with "
                          "factor [1] is prepared."),
                  ("script", f"Completed submitting config lock script on service [{name}]"),
                  ("remote", f"Scale in host [{host}] is permitted, proceeding to next action")]
            if e.lb:
                S.append(("sub", f"Completed submitting OTD script for remote execution on "
                                 f"service [{name}]"))
            S += [("short", f"Completed submitting shutdown script for remote execution on "
                            f"service [{name}]"),
                  ("remote", f"Successfully created IAAS resource removal child job for service "
                             f"[{host}]"),
                  ("vm_stop", f"Stopped Virtual Machine wls/vm-{n}..."),
                  ("vm_remove", f"Removed Virtual Machine wls/vm-{n}..."),
                  ("sub", f"Child job [{{child1}}] completed removing all compute resources for "
                          f"host [{host}]."),
                  ("short", f"Completed submitting domain config verify script for remote "
                            f"execution on service [{name}]"),
                  ("remote", f"Successfully scaled in host [{host}]")]
        elif op == "START_SERVICE":
            S.append(("sub", f"Start job for service [{name}] is prepared."))
            for i, vm in enumerate(vms):
                S.append(("vm_start" if i == 0 else "short", f"Started Virtual Machine {vm}..."))
            S += [("remote", f"Completed submitting startup script for remote execution on "
                             f"service [{name}]"),
                  ("server_start", f"Started Administration Server on host [{name}-wls-1]")]
            for i in range(1, n + 1):
                S.append(("server_start" if i == 1 else "script",
                          f"Started managed server [{pre}_server_{i}] on host [{name}-wls-{i}]"))
            S.append(("sub", f"Successfully started service [{name}]"))
        elif op == "STOP_SERVICE":
            S += [("sub", f"Stop job for service [{name}] is prepared."),
                  ("remote", f"Completed submitting shutdown script for remote execution on "
                             f"service [{name}]")]
            for i, vm in enumerate(reversed(vms)):
                S.append(("vm_stop" if i == 0 else "short", f"Stopped Virtual Machine {vm}..."))
            S.append(("sub", f"Successfully stopped service [{name}]"))
        elif op == "BACKUP":
            bid = self.backup_id(e, start)
            kind = "Scheduled backup" if initiated_by == "SYSTEM" else "Backup"
            btype = ("incremental" if initiated_by == "SYSTEM"
                     else rng.choice(["full", "incremental"]))
            S += [("sub", f"{kind} job for service [{name}] is prepared. Backup type [{btype}]"),
                  ("script", f"Completed submitting config lock script on service [{name}]"),
                  ("short", f"Completed submitting backup script for remote execution on service "
                            f"[{name}]"),
                  ("jcs_backup", f"Backup [{bid}] of service [{name}] uploaded to storage "
                                 f"container [Storage-acme/{name}_bkp]"),
                  ("script", f"Completed submitting config unlock script on service [{name}]"),
                  ("sub", f"Successfully completed backup [{bid}] of service [{name}]")]
        elif op == "RESTORE":
            bid = e.backup
            S += [("sub", f"Restore job for service [{name}] from backup [{bid}] is prepared."),
                  ("script", f"Completed submitting config lock script on service [{name}]"),
                  ("remote", f"Completed submitting shutdown script for remote execution on "
                             f"service [{name}]"),
                  ("restore_small", f"Restored domain configuration from backup [{bid}] on [{n}] "
                                    "host(s)"),
                  ("long_remote", f"Completed submitting startup script for remote execution on "
                                  f"service [{name}]"),
                  ("server_start", f"Started Administration Server on host [{name}-wls-1]"),
                  ("script", f"Completed submitting config unlock script on service [{name}]"),
                  ("sub", f"Successfully restored service [{name}] from backup [{bid}]")]
        elif op == "SSH_PUBLIC_KEY_RESET":
            S.append(("sub", f"Updating SSH public key for user [opc] on service [{name}]"))
            hosts = [f"{name}-wls-{i}" for i in range(1, n + 1)] + (
                [f"{name}-lb-1"] if e.lb else [])
            for i, h in enumerate(hosts):
                S.append(("script" if i == 0 else "short",
                          f"Public key ssh-rsa AAAAB3NzaC1yc2E... (truncated) added on host [{h}]"))
            S.append(("sub", f"Successfully updated SSH public key on service [{name}]"))
        elif op == "DELETE_SERVICE":
            S += [("sub", f"Delete job for service [{name}] is prepared."),
                  ("remote", f"Completed submitting shutdown script for remote execution on "
                             f"service [{name}]"),
                  ("remote", f"Successfully created IAAS resource removal child job for service "
                             f"[{name}]")]
            for i, vm in enumerate(reversed(vms)):
                S.append(("vm_stop" if i == 0 else "short", f"Stopped Virtual Machine {vm}..."))
            for i, vm in enumerate(reversed(vms)):
                S.append(("vm_remove" if i == 0 else "sub", f"Removed Virtual Machine {vm}..."))
            S += [("sub", f"Child job [{{child1}}] completed removing all compute resources for "
                          f"service [{name}]."),
                  ("delete_storage", f"Deleted storage volumes and backups of service [{name}]"),
                  ("sub", f"Successfully deleted service [{name}]")]
        return S

    def db_steps(self, e: Entity, op: str, start: int, initiated_by: str) -> list:
        rng, name, sid = self.rng, e.name, e.sid
        host = f"{name}-db-1"
        S = []
        if op == "CREATE_SERVICE":
            shape = rng.choice(["OC3", "OC4", "OC5"])
            S += [("sub", f"Creating database deployment [{name}]: Oracle Database 19c Enterprise "
                          f"Edition, shape [{shape}]"),
                  ("remote", f"Successfully created IAAS resource creation child job for service "
                             f"[{name}]"),
                  ("vm_provision", "Created Virtual Machine db/vm-1..."),
                  ("short", f"Attached storage volumes to host [{host}]: "
                            f"data [{rng.choice([100, 250, 500])}] GB, "
                            f"fra [{rng.choice([90, 190, 380])}] GB"),
                  ("sub", f"Child job [{{child1}}] completed creating all compute resources for "
                          f"service [{name}]."),
                  ("script", f"Completed submitting database creation script for remote execution "
                             f"on host [{host}]"),
                  ("db_create", f"Database [{sid}] created on host [{host}]"),
                  ("script", f"Configured backup destination [Storage-acme/{name}_bkp] for "
                             f"database [{sid}]"),
                  ("sub", f"Successfully provisioned database deployment [{name}]")]
        elif op == "BACKUP":
            tag = self.backup_id(e, start)
            kind = "Scheduled backup" if initiated_by == "SYSTEM" else "Backup"
            S += [("sub", f"{kind} job for database [{name}] is prepared. Backup type "
                          "[incremental]"),
                  ("script", f"Completed submitting backup script for remote execution on host "
                             f"[{host}]")]
            if rng.random() < 0.08:
                S += [("remote", 'Error: "disk full", retrying'), ("short", "-- retry 2 of 3 --")]
            S += [("db_backup", f"Backup [{tag}] completed on host [{host}]"),
                  ("remote", f"Copied backup [{tag}] to storage container "
                             f"[Storage-acme/{name}_bkp]"),
                  ("sub", f"Successfully completed backup of database [{name}]")]
        elif op == "RESTORE":
            tag = e.backup
            point_ms = start - rng.randint(2, 40) * 3_600_000
            point = (EPOCH + timedelta(milliseconds=point_ms)).strftime("%Y-%m-%d %H:%M:%S")
            S += [("sub", f"Restore job for database [{name}] from backup [{tag}] is prepared."),
                  ("remote", f"Stopped database [{sid}] on host [{host}]"),
                  ("script", f"Completed submitting restore script for remote execution on host "
                             f"[{host}]"),
                  ("restore", f"Restored data files of database [{sid}] from backup [{tag}]"),
                  ("long_remote", f"Recovered database [{sid}] until time [{point} UTC]"),
                  ("remote", f"Opened database [{sid}] with RESETLOGS on host [{host}]"),
                  ("sub", f"Successfully restored database deployment [{name}]")]
        elif op == "START_SERVICE":
            S += [("sub", f"Start job for database deployment [{name}] is prepared."),
                  ("vm_start", "Started Virtual Machine db/vm-1..."),
                  ("remote", f"Started database [{sid}] on host [{host}]"),
                  ("sub", f"Successfully started database deployment [{name}]")]
        elif op == "STOP_SERVICE":
            S += [("sub", f"Stop job for database deployment [{name}] is prepared."),
                  ("remote", f"Stopped database [{sid}] on host [{host}]"),
                  ("vm_stop", "Stopped Virtual Machine db/vm-1..."),
                  ("sub", f"Successfully stopped database deployment [{name}]")]
        elif op == "SSH_PUBLIC_KEY_RESET":
            S += [("sub", f"Updating SSH public key for user [oracle] on service [{name}]"),
                  ("script", f"Public key ssh-rsa AAAAB3NzaC1yc2E... (truncated) added on host "
                             f"[{host}]"),
                  ("sub", f"Successfully updated SSH public key on service [{name}]")]
        elif op == "DELETE_SERVICE":
            S += [("sub", f"Delete job for database deployment [{name}] is prepared."),
                  ("remote", f"Stopped database [{sid}] on host [{host}]"),
                  ("remote", f"Successfully created IAAS resource removal child job for service "
                             f"[{name}]"),
                  ("vm_stop", "Stopped Virtual Machine db/vm-1..."),
                  ("vm_remove", "Removed Virtual Machine db/vm-1..."),
                  ("sub", f"Child job [{{child1}}] completed removing all compute resources for "
                          f"service [{name}]."),
                  ("delete_storage", f"Deleted storage volumes of database deployment [{name}]"),
                  ("sub", f"Successfully deleted database deployment [{name}]")]
        return S

    def mysql_steps(self, e: Entity, op: str, start: int, initiated_by: str) -> list:
        rng, name = self.rng, e.name
        host = f"{name}-mysql-1"
        S = []
        if op == "CREATE_SERVICE":
            S += [("sub", f"Creating MySQL service [{name}]: MySQL 8.0 Enterprise Edition, shape "
                          f"[{rng.choice(['VM.Standard2.1', 'VM.Standard2.2'])}]"),
                  ("remote", f"Successfully created IAAS resource creation child job for service "
                             f"[{name}]"),
                  ("vm_provision", "Created Virtual Machine mysql/vm-1..."),
                  ("short", f"Attached storage volume [{name}/data] to host [{host}]"),
                  ("mysql_init", f"Initialized MySQL server on host [{host}]"),
                  ("script", f"Configured backup destination [Storage-acme/{name}_bkp]"),
                  ("sub", f"Successfully provisioned MySQL service [{name}]")]
        elif op == "BACKUP":
            bid = self.backup_id(e, start)
            kind = "Scheduled backup" if initiated_by == "SYSTEM" else "Backup"
            S += [("sub", f"{kind} job for MySQL service [{name}] is prepared."),
                  ("script", f"Completed submitting backup script for remote execution on host "
                             f"[{host}]"),
                  ("mysql_backup", f"Backup [{bid}] completed on host [{host}]"),
                  ("sub", f"Successfully completed backup of MySQL service [{name}]")]
        elif op == "RESTORE":
            bid = e.backup
            S += [("sub", f"Restore job for MySQL service [{name}] from backup [{bid}] is "
                          "prepared."),
                  ("script", f"Stopped MySQL server on host [{host}]"),
                  ("restore_small", f"Restored MySQL data directory from backup [{bid}]"),
                  ("remote", f"Started MySQL server on host [{host}]"),
                  ("sub", f"Successfully restored MySQL service [{name}]")]
        elif op == "START_SERVICE":
            S += [("sub", f"Start job for MySQL service [{name}] is prepared."),
                  ("vm_start", "Started Virtual Machine mysql/vm-1..."),
                  ("script", f"Started MySQL server on host [{host}]"),
                  ("sub", f"Successfully started MySQL service [{name}]")]
        elif op == "STOP_SERVICE":
            S += [("sub", f"Stop job for MySQL service [{name}] is prepared."),
                  ("script", f"Stopped MySQL server on host [{host}]"),
                  ("vm_stop", "Stopped Virtual Machine mysql/vm-1..."),
                  ("sub", f"Successfully stopped MySQL service [{name}]")]
        elif op == "SSH_PUBLIC_KEY_RESET":
            S += [("sub", f"Updating SSH public key for user [opc] on service [{name}]"),
                  ("script", f"Public key ssh-rsa AAAAB3NzaC1yc2E... (truncated) added on host "
                             f"[{host}]"),
                  ("sub", f"Successfully updated SSH public key on service [{name}]")]
        elif op == "DELETE_SERVICE":
            S += [("sub", f"Delete job for MySQL service [{name}] is prepared."),
                  ("remote", f"Successfully created IAAS resource removal child job for service "
                             f"[{name}]"),
                  ("vm_stop", "Stopped Virtual Machine mysql/vm-1..."),
                  ("vm_remove", "Removed Virtual Machine mysql/vm-1..."),
                  ("delete_storage", f"Deleted storage volumes of MySQL service [{name}]"),
                  ("sub", f"Successfully deleted MySQL service [{name}]")]
        return S

    def app_steps(self, e: Entity, op: str, start: int, initiated_by: str) -> list:
        rng, name, n = self.rng, e.name, e.nodes
        S = []
        if op == "CREATE_SERVICE":
            S += [("sub", f"Creating application [{name}] with [{n}] instance(s) of memory "
                          f"[{rng.choice([1, 2])}] GB"),
                  ("short", f"Uploaded application archive [{name}.zip] to storage"),
                  ("accs_build", f"Build completed for application [{name}]")]
            for i in range(1, n + 1):
                S.append(("accs_launch" if i == 1 else "short",
                          f"Launched instance [web.{i}] of application [{name}]"))
            S.append(("short", f"Application [{name}] is available at "
                               f"[https://{name}-acme.apaas.us2.oraclecloud.com]"))
        elif op == "SCALE_OUT":
            S += [("sub", f"Scaling application [{name}] from [{n}] to [{n + 1}] instance(s)"),
                  ("accs_launch", f"Launched instance [web.{n + 1}] of application [{name}]"),
                  ("short", f"Registered instance [web.{n + 1}] with the load balancer"),
                  ("sub", f"Successfully scaled out application [{name}]")]
        elif op == "SCALE_IN":
            S += [("sub", f"Scaling application [{name}] from [{n}] to [{n - 1}] instance(s)"),
                  ("short", f"Deregistered instance [web.{n}] from the load balancer"),
                  ("accs_stop", f"Stopped instance [web.{n}] of application [{name}]"),
                  ("sub", f"Successfully scaled in application [{name}]")]
        elif op == "START_SERVICE":
            S.append(("sub", f"Starting application [{name}] with [{n}] instance(s)"))
            for i in range(1, n + 1):
                S.append(("accs_launch" if i == 1 else "short",
                          f"Launched instance [web.{i}] of application [{name}]"))
            S.append(("sub", f"Successfully started application [{name}]"))
        elif op == "STOP_SERVICE":
            S.append(("sub", f"Stopping application [{name}]"))
            for i in range(n, 0, -1):
                S.append(("accs_stop" if i == n else "short",
                          f"Stopped instance [web.{i}] of application [{name}]"))
            S.append(("sub", f"Successfully stopped application [{name}]"))
        elif op == "DELETE_SERVICE":
            S += [("sub", f"Deleting application [{name}]"),
                  ("accs_stop", f"Stopped all instances of application [{name}]"),
                  ("short", f"Deleted application archive [{name}.zip]"),
                  ("sub", f"Successfully deleted application [{name}]")]
        return S

    # ---- state -----------------------------------------------------------------------------
    def apply_state(self, job: Job) -> None:
        e, op, ok = job.entity, job.op, job.status in ("SUCCEED", "WARN")
        e.busy_until = job.end
        if op == "CREATE_SERVICE":
            e.service_id = job.service_id
            if ok:
                e.exists, e.running = True, True
                if not e.stack:
                    e.nodes = self.rng.choice([1, 2, 2, 3]) if e.family != "db" else 1
                    if e.family == "mysql":
                        e.nodes = 1
        if not ok:
            return
        if op == "DELETE_SERVICE":
            e.exists = False
            e.backup = ""
        elif op == "SCALE_OUT":
            e.nodes += 1
        elif op == "SCALE_IN":
            e.nodes -= 1
        elif op == "START_SERVICE":
            e.running = True
        elif op == "STOP_SERVICE":
            e.running = False
        elif op == "BACKUP":
            e.backup = self.backup_id(e, job.start)

    def draw_status(self, e: Entity, op: str, outlier: bool) -> str:
        if outlier:
            return "SUCCEED"
        # Each job adds its probability to an accumulator; a job fails when the accumulator
        # passes the next threshold, and thresholds are spaced U(0.5, 1.5) apart. Jobs with a
        # higher probability fail more often, yet the count stays within about one of the
        # expected number, whatever the seed.
        key = ("STACK_CREATE" if op == "CREATE_SERVICE" else "STACK_DELETE") if e.stack else op
        self.fail_acc += FAIL_P[key]
        if self.fail_acc >= self.fail_next:
            self.fail_next += self.rng.uniform(0.5, 1.5)
            return "FAILED"
        if not e.stack and (op, e.family) in WARNINGS:
            self.warn_acc += WARN_P
            if self.warn_acc >= self.warn_next:
                self.warn_next += self.rng.uniform(0.5, 1.5)
                return "WARN"
        return "SUCCEED"

    # ---- the corpus ------------------------------------------------------------------------
    def run(self) -> list[Job]:
        rng = self.rng
        n_finished = self.n_jobs - N_RUNNING - N_NEW
        slots = []
        for _ in range(n_finished):
            system = rng.random() < SYSTEM_SHARE
            slots.append((self.draw_start(system), system))
        slots.sort()
        outliers = set(rng.sample(range(int(n_finished * 0.9)), N_OUTLIERS))
        jobs = []
        for i, (t, system) in enumerate(slots):
            pick = None
            if system:
                cands = self.candidates("BACKUP", t, {"dbaas", "MySQLCS", "jaas"})
                if cands:
                    pick = (rng.choice(cands), "BACKUP")
            else:
                if rng.random() < STACK_SHARE:
                    pick = self.pick_stack(t)
                if pick is None:
                    pick = self.pick_service(t)
            e, op = pick
            status = self.draw_status(e, op, i in outliers)
            job = self.build(e, op, t, "SYSTEM" if system else "USER", status, i in outliers)
            self.apply_state(job)
            jobs.append(job)
        jobs.extend(self.unfinished(max(j.end for j in jobs)))
        self.assign_ids(jobs)
        return jobs

    def unfinished(self, last_end: int) -> list[Job]:
        rng = self.rng
        now = to_ms(SNAPSHOT)
        if last_end >= now - 3_600_000:
            raise RuntimeError("finished jobs run into the snapshot")
        out: list[Job] = []
        taken: set[str] = set()
        # Each unfinished job tries its alternatives in order; the first one possible is used.
        running_plan = [
            [("service", "CREATE_SERVICE", {"dbaas"}), ("service", "RESTORE", {"dbaas"})],
            [("service", "BACKUP", {"dbaas"}), ("service", "BACKUP", {"MySQLCS", "jaas"})],
            [("stack", "CREATE_SERVICE", None)],
            [("service", "SCALE_OUT", {"jaas", "soa"}), ("service", "CREATE_SERVICE", None)],
        ]
        new_plan = [
            [("service", "START_SERVICE", None), ("service", "BACKUP", {"MySQLCS"})],
            [("service", "SCALE_OUT", {"apaas", "jaas", "soa"}), ("service", "STOP_SERVICE", None)],
            [("stack", "DELETE_SERVICE", None), ("stack", "CREATE_SERVICE", None)],
        ]
        plans = [(p, "RUNNING") for p in running_plan[:N_RUNNING]]
        plans += [(p, "NEW") for p in new_plan[:N_NEW]]
        t0 = now - 2 * 3_600_000
        for k, (alternatives, status) in enumerate(plans):
            pick = None
            for fam, op, types in alternatives:
                if fam == "stack":
                    pick = self.pick_stack(t0, op)
                else:
                    cands = [e for e in self.candidates(op, t0, types) if e.name not in taken]
                    pick = (rng.choice(cands), op) if cands else None
                if pick is not None and pick[0].name not in taken:
                    break
                pick = None
            if pick is None:
                pick = self.pick_service(t0)
            e, op = pick
            taken.add(e.name)
            # Messages embed the start time (backup tags), which depends on the drawn gaps: draw
            # once to place the job, then replay the same draws with the real start.
            saved = (rng.getstate(), self.service_seq, self.stack_seq, self.resource_seq)
            dry = self.build(e, op, 0, "USER", "SUCCEED")
            offs = dry.offsets
            if status == "RUNNING":
                # The snapshot falls inside the longest step not yet finished.
                k_cut = max(range(2, len(offs) - 1), key=lambda i: dry.gaps[i][0])
                elapsed = offs[k_cut - 1] + round(dry.gaps[k_cut][0] * rng.uniform(0.15, 0.85))
            else:
                k_cut = 1
                elapsed = rng.randint(5_000, 240_000)
            after = rng.getstate()
            rng.setstate(saved[0])
            self.service_seq, self.stack_seq, self.resource_seq = saved[1:]
            job = self.build(e, op, now - elapsed, "USER", "SUCCEED")
            rng.setstate(after)
            assert [g for g, _ in job.gaps] == [g for g, _ in dry.gaps]
            job.status = status
            job.gaps = job.gaps[:k_cut]
            if status == "NEW" and k == len(plans) - 1:
                job.has_messages = False
            e.busy_until = now
            out.append(job)
        return out

    def assign_ids(self, jobs: list[Job]) -> None:
        rng = self.rng
        jobs.sort(key=lambda j: j.start)
        seq = {"stack": [80212, 41310], "service": [3104217, 1402118]}
        last = {"stack": None, "service": None}
        for j in jobs:
            hours = 0.0 if last[j.family] is None else (j.start - last[j.family]) / 3_600_000
            last[j.family] = j.start
            if j.family == "stack":
                seq["stack"][0] += rng.randint(3, 15) + int(hours * 0.5)
                seq["stack"][1] += rng.randint(2, 9) + int(hours * 0.2)
            else:
                seq["service"][0] += rng.randint(20, 120) + int(hours * 30)
                seq["service"][1] += rng.randint(5, 40) + int(hours * 8)
            j.job_id, j.log_id = seq[j.family]


def body(job: Job) -> dict:
    e = job.entity
    dom = DOMAINS[e.domain][0]
    b = {
        "activityLogId": job.log_id,
        "serviceName": e.name,
        "serviceType": job.service_type,
        "identityDomain": dom,
        "serviceId": job.service_id,
        "jobId": job.job_id,
        "startDate": fmt(job.start),
    }
    if job.status not in ("NEW", "RUNNING"):
        b["endDate"] = fmt(job.end)
    b["status"] = job.status
    if job.extras:
        b["host"] = job.extras["host"]
        b["serverType"] = job.extras["serverType"]
    b["operationId"] = job.service_id
    b["operationType"] = job.op
    b["summaryMessage"] = job.summary
    b["authDomain"] = dom
    if job.user:
        b["authUser"] = job.user
    b["initiatedBy"] = job.initiated_by
    if job.extras:
        for key in ("resourceName", "resourceType", "resourceId"):
            b[key] = job.extras[key]
    if job.has_messages:
        c1, c2 = (job.job_id + d for d in job.children)
        msgs = []
        for off, (_, text) in zip(job.offsets, job.gaps):
            text = text.replace("{child1}", str(c1)).replace("{child2}", str(c2))
            msgs.append({"activityDate": fmt(job.start + off), "message": text})
        b["messages"] = msgs
    return b


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "sample",
                        help="output folder (default: data/sample next to this script)")
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS,
                        help=f"number of jobs (default {DEFAULT_JOBS}, at least 20)")
    parser.add_argument("--seed", type=int, default=SEED,
                        help=f"random seed (default {SEED}; the committed corpus uses the default)")
    args = parser.parse_args(argv)
    if args.jobs < 20:
        parser.error("--jobs must be at least 20")
    args.out.mkdir(parents=True, exist_ok=True)
    for stale in args.out.glob("job-*.json"):
        stale.unlink()
    jobs = Generator(args.seed, args.jobs).run()
    for job in jobs:
        text = json.dumps(body(job), indent=2, ensure_ascii=False) + "\n"
        (args.out / f"job-{job.job_id}.json").write_bytes(text.encode("utf-8"))
    print(f"wrote {len(jobs)} jobs to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
