#!/usr/bin/env bash
# Builds the RMI gateway (ZJ-7.2.1 e) with the JDK alone, javac then jar: integrations/rmi/build/xietong-rmi.jar.
# The interface and its value classes are compiled for Java 8, so that older business systems can call the gateway;
# the rest (the gateway, the filters, the example) for Java 11, the first with java.net.http.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$here/build"

for tool in javac jar; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "找不到 $tool：请安装 JDK 11 或更高版本（Debian：apt-get install default-jdk-headless） / $tool not found: install a JDK 11 or later (Debian: apt-get install default-jdk-headless)" >&2
        exit 2
    fi
done

mkdir -p "$build"
# One build at a time (tests may call this together); each builds in a folder of its own and renames the jar into place.
exec 9>"$build/.lock"
command -v flock >/dev/null 2>&1 && flock 9
work="$(mktemp -d "$build/work.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/classes"

src="$here/src/cn/xietong/rmi"
api=(XietongNode XietongException Finding Receipt PackageEvent PackageStatus Attachment AttachmentInfo InboxItem NodeEvent
    EventBatch UploadProgress GatewayInfo GatewayClient)
api_files=()
for name in "${api[@]}"; do api_files+=("$src/$name.java"); done
rest_files=()
while IFS= read -r file; do
    case " ${api_files[*]} " in *" $file "*) ;; *) rest_files+=("$file") ;; esac
done < <(find "$here/src" -name '*.java' | sort)

flags=(-encoding UTF-8 -Xlint:all -Werror -d "$work/classes")
# A javac that no longer compiles for Java 8 compiles the interface for Java 11, and says so.
if ! javac "${flags[@]}" -Xlint:-options --release 8 "${api_files[@]}" 2>"$work/release8.log"; then
    if grep -q "release version 8 not supported" "$work/release8.log"; then
        echo "note: this javac cannot compile for Java 8; the interface is compiled for Java 11" >&2
        javac "${flags[@]}" --release 11 "${api_files[@]}"
    else
        cat "$work/release8.log" >&2
        exit 1
    fi
fi
javac "${flags[@]}" --release 11 -cp "$work/classes" "${rest_files[@]}"
jar --create --file "$work/xietong-rmi.jar" --main-class cn.xietong.rmi.Gateway -C "$work/classes" .
mv -f "$work/xietong-rmi.jar" "$build/xietong-rmi.jar"
echo "$build/xietong-rmi.jar"
