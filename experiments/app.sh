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
