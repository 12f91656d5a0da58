# nbgrader settings for everyone on the hub, students and instructors alike: the course and the
# exchange through which assignments, submissions and feedback travel. The hub puts this folder on
# every user's JUPYTER_CONFIG_PATH (see jupyterhub_config.py).
import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "teachgrad"
# The hub passes the exchange's location to every server as TEACHGRAD_EXCHANGE.
c.Exchange.root = os.environ.get("TEACHGRAD_EXCHANGE", "/srv/nbgrader/exchange")
