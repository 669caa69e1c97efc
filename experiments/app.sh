# Sourced by the research scripts: how to start the app. CATEGORICALVAE_DLL, if set, names a built
# CategoricalVae.dll to run (much faster than `dotnet run` for a script that starts it many times); else `dotnet run`.
if [ -n "${CATEGORICALVAE_DLL:-}" ]; then app=(dotnet "$CATEGORICALVAE_DLL"); else app=(dotnet run --project CategoricalVae --); fi

# Runs a sweep with the given arguments, shows its output, and prints its folder (from its last line).
sweep_folder() {
  local log
  log=$(mktemp)
  "${app[@]}" sweep "$@" | tee "$log" >&2 || { rm -f "$log"; return 1; }
  sed -n 's/^Compare with: compare //p' "$log" | tail -1
  rm -f "$log"
}

# merged DEFAULTS… -- GIVEN…: prints (NUL-separated) the default options less every option GIVEN names again, then
# GIVEN, so a script's own options can be replaced from its command line (--epochs 1 --seeds 1 for a quick try).
merged() {
  local -a defaults=() out=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do defaults+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  local -A seen=()
  local a
  for a in "$@"; do [[ $a == --* ]] && seen[${a%%=*}]=1; done
  local i=0 take
  while [ $i -lt ${#defaults[@]} ]; do
    take=1
    if [ $((i + 1)) -lt ${#defaults[@]} ] && [[ ${defaults[i + 1]} != --* ]]; then take=2; fi
    [ -n "${seen[${defaults[i]}]:-}" ] || out+=("${defaults[@]:i:take}")
    i=$((i + take))
  done
  printf '%s\0' "${out[@]}" "$@"
}

# The value of option $1 among the rest of the arguments, or nothing.
option_value() {
  local name=$1 a
  shift
  while [ $# -gt 0 ]; do
    a=$1
    shift
    case "$a" in "$name") echo "${1:-}"; return ;; "$name"=*) echo "${a#*=}"; return ;; esac
  done
}
