# nbgrader configuration for a teachgrad course.
#
# `./run student` copies this file into its course directory (build/course/) and runs nbgrader
# there; an instructor can copy it into the course directory on a JupyterHub (see
# docs/instructors.md). Course layout (nbgrader's default):
#
#   source/<lesson>/<lesson>.ipynb     the lessons as written, with solutions and hidden tests
#   release/<lesson>/<lesson>.ipynb    the student versions made by `nbgrader generate_assignment`
#
# Each lesson is its own assignment, named after its file (e.g. 05_detach_no_grad_requires_grad).

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

# Used by nbgrader's exchange on a JupyterHub; change it to your course's id there.
c.CourseDirectory.course_id = "teachgrad"

# What replaces the code between "### BEGIN SOLUTION" and "### END SOLUTION" in student versions.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Lessons run in well under a minute; a cell that takes longer than this is stuck.
c.Execute.timeout = 120
