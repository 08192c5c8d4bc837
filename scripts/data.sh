#!/usr/bin/env bash
# Puts the IMDb archive where sentui looks by default (DIR/aclImdb_v1.tar.gz):
# a link to $IMDB_TARBALL when set, otherwise a download from its public home.
set -u
dir=${1:-data}; url=${2:?url}
dest="$dir/aclImdb_v1.tar.gz"
mkdir -p "$dir"
if [ -n "${IMDB_TARBALL:-}" ]; then
    if [ ! -f "$IMDB_TARBALL" ]; then
        echo "sentui: IMDB_TARBALL=$IMDB_TARBALL does not exist" >&2; exit 1
    fi
    src=$(cd "$(dirname "$IMDB_TARBALL")" && pwd)/$(basename "$IMDB_TARBALL")
    [ "$(readlink -f "$dest" 2>/dev/null)" = "$(readlink -f "$src")" ] || ln -sfn "$src" "$dest"
    echo "sentui: IMDb archive: $dest -> $src"
    exit 0
fi
if [ -s "$dest" ] && gzip -t "$dest" 2>/dev/null; then
    echo "sentui: IMDb archive: $dest"; exit 0
fi
echo "sentui: downloading the IMDb archive (84 MB) to $dest"
if curl -fL --retry 3 -o "$dest.part" "$url" && gzip -t "$dest.part"; then
    mv "$dest.part" "$dest"; exit 0
fi
rm -f "$dest.part"
echo "sentui: could not get the IMDb archive. Download $url yourself and run" >&2
echo "    make data IMDB_TARBALL=/path/to/aclImdb_v1.tar.gz" >&2
exit 1
