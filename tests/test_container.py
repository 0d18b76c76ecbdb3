"""tools/container: the Dockerfile installs with tools/setup (so the image
and a bare machine cannot drift apart), the devcontainer file is valid and
points at that Dockerfile, and the README's docker commands are the ones
the Dockerfile documents. (No image is built here: this machine has no
Docker daemon; the README's host table says so.)"""

import json
import os
import re
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTAINER = os.path.join(ROOT, "tools", "container")


def read(*parts):
    with open(os.path.join(ROOT, *parts)) as f:
        return f.read()


def strip_jsonc(text):
    """Dev Containers files are JSON with // comments (none inside strings here)."""
    return "\n".join(re.sub(r"^\s*//.*$", "", line) for line in text.splitlines())


class Container(unittest.TestCase):
    def test_dockerfile_installs_with_tools_setup(self):
        docker = read("tools", "container", "Dockerfile")
        copies = re.findall(r"^COPY\s+(\S+)\s+(\S+)", docker, re.M)
        self.assertIn(("tools/setup", "/usr/local/lib/faultline/setup"), copies)
        runs = re.findall(r"^RUN\s+(.*)$", docker, re.M)
        self.assertTrue(any(r.startswith("/usr/local/lib/faultline/setup") for r in runs), runs)
        self.assertRegex(docker, r"(?m)^ARG BASE=debian:12$")
        self.assertRegex(docker, r"(?m)^WORKDIR /faultline$")
        # Every path it copies exists in the tree.
        for src, _dst in copies:
            self.assertTrue(os.path.exists(os.path.join(ROOT, src)), src)

    def test_devcontainer_points_at_the_dockerfile(self):
        conf = json.loads(strip_jsonc(read("tools", "container", "devcontainer.json")))
        # Paths are relative to .devcontainer/, where the README says to copy it.
        where = os.path.join(ROOT, ".devcontainer")
        dockerfile = os.path.normpath(os.path.join(where, conf["build"]["dockerfile"]))
        context = os.path.normpath(os.path.join(where, conf["build"]["context"]))
        self.assertEqual(dockerfile, os.path.join(CONTAINER, "Dockerfile"))
        self.assertEqual(context, ROOT)
        self.assertEqual(conf["workspaceFolder"], "/faultline")
        self.assertIn("target=/faultline", conf["workspaceMount"])

    def test_readme_gives_the_same_commands(self):
        readme = read("README.md")
        docker = read("tools", "container", "Dockerfile")
        for line in re.findall(r"^#\s+(docker (?:build|run) .*)$", docker, re.M):
            self.assertIn(line.strip(), readme)
        self.assertIn("tools/container/devcontainer.json", readme)
        self.assertIn(".devcontainer/devcontainer.json", readme)

if __name__ == "__main__":
    unittest.main()
