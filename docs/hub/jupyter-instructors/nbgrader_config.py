# nbgrader settings for instructors only (the hub puts this folder first on their
# JUPYTER_CONFIG_PATH): the formgrader and the command line find the course in ~/course.
import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.root = os.path.expanduser("~/course")
