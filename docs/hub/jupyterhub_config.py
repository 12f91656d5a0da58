# JupyterHub configuration for a teachgrad class on one machine (docs/instructors.md).
#
# Layout on the machine (the paths can be moved with the environment variables below):
#
#   /srv/teachgrad/venv/                  the Python every user's server runs in, built from binder/
#   /srv/teachgrad/jupyter/               course-wide Jupyter config (this repository's docs/hub/jupyter/)
#   /srv/teachgrad/jupyter-instructors/   instructors' Jupyter config (docs/hub/jupyter-instructors/)
#   /srv/nbgrader/exchange/               nbgrader's exchange: owned by root, mode 1777
#
# Start it as root (the hub starts each user's server as that user):
#
#   TEACHGRAD_HUB_PASSWORD='a long shared password' jupyterhub -f /etc/jupyterhub/jupyterhub_config.py
#
# tests/test_hub.py loads this very file and then sets only what a test run must change: loopback
# addresses and random ports, the users it creates, the paths of its temporary directories, and an
# API token of its own.
import os

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)

SITE = os.environ.get("TEACHGRAD_SITE", "/srv/teachgrad")
VENV = os.environ.get("TEACHGRAD_VENV", os.path.join(SITE, "venv"))
EXCHANGE = os.environ.get("TEACHGRAD_EXCHANGE", "/srv/nbgrader/exchange")

# --- who may log in -------------------------------------------------------------------------------
# Edit these two sets. Each name must be a system user on this machine (useradd --create-home NAME):
# LocalProcessSpawner runs every server as the user of that name, in their home directory.
instructors = {"instructor"}
students = {"alice", "bob"}

c.Authenticator.allowed_users = instructors | students
# Group membership decides who gets the instructor tools (see course_environment below).
c.JupyterHub.load_groups = {
    "instructors": {"users": sorted(instructors)},
    "students": {"users": sorted(students)},
}

# One password for the whole class, given out in the first session; good for a workshop or a
# short course on a trusted network. Anyone with it can log in as any allowed user: for a longer
# course, use your institution's login (an OAuthenticator, LDAPAuthenticator or PAMAuthenticator).
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = os.environ.get("TEACHGRAD_HUB_PASSWORD")

# --- users' servers -----------------------------------------------------------------------------
c.JupyterHub.spawner_class = "localprocess"
# The servers run from a Python every user can read: a virtual environment under /root or another
# private home directory would not start for them.
c.Spawner.cmd = [os.path.join(VENV, "bin", "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
# A clean environment: nothing of the hub's own (its PATH may point into root's home).
c.Spawner.env_keep = ["LANG", "LC_ALL"]
c.Spawner.environment = {
    "PATH": os.pathsep.join([os.path.join(VENV, "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
    "TEACHGRAD_EXCHANGE": EXCHANGE,
}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


def course_environment(spawner):
    """Everyone gets the course-wide Jupyter config; instructors get theirs in front of it.

    The single-user environment (built from binder/) hides nbgrader's course pages, as on Binder;
    the course-wide folder shows students the Assignments page, the instructors' folder adds the
    formgrader, the course list and the Create Assignment panel.
    """
    paths = [os.path.join(SITE, "jupyter")]
    if any(group.name == "instructors" for group in spawner.user.groups):
        paths.insert(0, os.path.join(SITE, "jupyter-instructors"))
    # a new dict: spawner.environment may be the dict shared by every spawner's config
    spawner.environment = {**spawner.environment, "JUPYTER_CONFIG_PATH": os.pathsep.join(paths)}


c.Spawner.pre_spawn_hook = course_environment
