#!/bin/sh
# Run by VS Code on the host before it starts the containers (initializeCommand):
# writes .devcontainer/compute.yml, the second compose file of devcontainer.json,
# as the GPU override (docker-compose.gpu.yml) when Docker has the nvidia
# runtime, and as a file that changes nothing otherwise, as make decides.
# GPU=1 or GPU=0 in the environment VS Code starts with decides instead.
set -eu
cd "$(dirname "$0")/.."
if [ -z "${GPU:-}" ]; then
  if docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"nvidia"'; then GPU=1; else GPU=0; fi
fi
if [ "$GPU" = 1 ]; then
  { echo '# Written by .devcontainer/compute.sh: the GPU stack (a copy of docker-compose.gpu.yml).'; cat docker-compose.gpu.yml; } > .devcontainer/compute.yml.tmp
  echo 'Dev container: the GPU image (docker/Dockerfile.gpu)'
else
  printf '# Written by .devcontainer/compute.sh: the CPU stack, docker-compose.yml as it is.\nservices:\n  bash-executor: {}\n' > .devcontainer/compute.yml.tmp
  echo 'Dev container: the CPU image (docker/Dockerfile.cpu)'
fi
mv .devcontainer/compute.yml.tmp .devcontainer/compute.yml
