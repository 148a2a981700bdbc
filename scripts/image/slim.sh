#!/bin/sh
# Runs inside the image's build stage, on the root file system that becomes the final image
# (the Dockerfile copies it whole into an empty image, so what is deleted here is really gone).
# Removes what changeproof never uses at run time; every feature stays (the IaC tests run inside
# the image to prove it: tests/github/test_container.py). Prints nothing on success.
set -eu
cd /
VENV=/opt/changeproof
SITE="$(echo "$VENV"/lib/python3*/site-packages)"

# 1. No package installers or build tools: the venv's pip/setuptools/wheel, the base's too.
rm -rf "$SITE"/pip "$SITE"/pip-* "$SITE"/setuptools "$SITE"/setuptools-* "$SITE"/_distutils_hack \
       "$SITE"/distutils-precedence.pth "$SITE"/pkg_resources "$SITE"/wheel "$SITE"/wheel-* "$VENV"/bin/pip*
for dir in /usr/lib/python3/dist-packages /usr/local/lib/python3*/site-packages; do
  [ -d "$dir" ] || continue
  rm -rf "$dir"/pip "$dir"/pip-* "$dir"/setuptools "$dir"/setuptools-* "$dir"/_distutils_hack \
         "$dir"/distutils-precedence.pth "$dir"/pkg_resources "$dir"/wheel "$dir"/wheel-*
done
rm -f /usr/bin/pip /usr/bin/pip3* /usr/local/bin/pip /usr/local/bin/pip3* /usr/local/bin/idle* /usr/local/bin/pydoc*
rm -rf /usr/share/python-wheels /usr/lib/python3*/ensurepip /usr/local/lib/python3*/ensurepip

# 2. Tests, headers and stubs shipped inside third-party packages (nothing imports them).
find "$SITE" -depth -type d \( -name tests -o -name testing_data -o -name __pycache__ \) \
     -not -path "*/numpy/testing*" -exec rm -rf {} +
rm -rf "$SITE"/numpy/_core/include "$SITE"/numpy/core/include "$SITE"/numpy/f2py/tests "$SITE"/numpy/_pyinstaller
find "$SITE" -type f \( -name '*.pyi' -o -name '*.c' -o -name '*.h' -o -name '*.pxd' -o -name '*.pyx' \) -delete

# 3. botocore's service models: checkov and cloudsplaining only create S3/STS clients (platform
#    upload, never used offline); importing boto3 needs the endpoint and partition data alone.
if [ -d "$SITE/botocore/data" ]; then
  for model in "$SITE"/botocore/data/*/; do
    case "$(basename "$model")" in s3|sts) ;; *) rm -rf "$model" ;; esac
  done
fi

# 4. The base system's documentation, translations, caches and the standard library's GUI/test
#    parts; Perl's modules beyond perl-base (git's plumbing, all changeproof calls, is C).
rm -rf /usr/share/doc/* /usr/share/man/* /usr/share/info/* /usr/share/lintian /usr/share/locale/* \
       /usr/share/gitweb /usr/share/bash-completion /var/cache/debconf/*-old /var/lib/apt/lists/* \
       /var/cache/apt/* /var/log/* /root/.cache /tmp/* /src
rm -rf /usr/share/perl /usr/lib/*-linux-gnu/perl /usr/lib/*-linux-gnu/libperl.so*
for lib in /usr/lib/python3.* /usr/local/lib/python3.*; do
  [ -d "$lib" ] || continue
  rm -rf "$lib"/idlelib "$lib"/tkinter "$lib"/turtledemo "$lib"/lib2to3 "$lib"/test "$lib"/pydoc_data \
         "$lib"/config-*-linux-gnu
done

# 5. Byte-code, compiled once here; PYTHONDONTWRITEBYTECODE at run time keeps the image read-only.
#    changeproof itself, checkov (whose check packages find their modules by globbing *.py) and
#    detect-secrets (plugins found the same way) keep their sources next to unchecked-hash .pyc
#    (no stat of the source at import; readable tracebacks). Every other third-party package is
#    byte-code only (legacy .pyc beside where the source was): the sources would double its size.
KEEP='/site-packages/(checker|checkov|detect_secrets)/'
"$VENV"/bin/python -m compileall -q -j 0 -b -x "$KEEP" "$SITE" >/dev/null
find "$SITE" -name '*.py' -type f | grep -Ev "$KEEP" | tr '\n' '\0' | xargs -0 rm -f
for pkg in checker checkov detect_secrets; do
  [ -d "$SITE/$pkg" ] || continue
  "$VENV"/bin/python -m compileall -q -j 0 --invalidation-mode unchecked-hash "$SITE/$pkg" >/dev/null
done
"$VENV"/bin/python -c 'import checker.cli, checkov.terraform.runner' >/dev/null
