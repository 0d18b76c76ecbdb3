#!/usr/bin/env bash
# setup.sh - Gradescope runs this once, as root, while it builds the
# autograder's image (Ubuntu): install what faultline needs, then build the
# pristine tree once so that each submission's copy rebuilds only the
# student's files. Made into build/gradescope/labN.zip by tools/gradescope.
# The format: https://gradescope-autograders.readthedocs.io/en/latest/specs/
# AUTOGRADER_ROOT (default /autograder) lets the tests run it elsewhere.
set -eu
root=${AUTOGRADER_ROOT:-/autograder}
tree=$root/source/faultline

# tools/setup is written in bash and Python 3 and uses make: the image may lack them.
need=''
for t in python3 make; do command -v "$t" >/dev/null 2>&1 || need="$need $t"; done
if [ -n "$need" ]; then
  echo "setup.sh: installing$need (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need
fi
"$tree/tools/setup"
for arch in i386 x86_64; do
  make --no-print-directory -C "$tree" ARCH=$arch all
done
