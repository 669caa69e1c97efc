// Marks one symbol-version need of an ELF64 shared library as weak (VER_FLG_WEAK), so that the dynamic
// loader accepts the library on a system whose libstdc++ lacks that version.
//
// Why: TorchSharp 0.107.0's libLibTorchSharp.so needs GLIBCXX_3.4.32 only for
// std::ios_base_library_init, which no relocation refers to. Debian 12 / Ubuntu 22.04 stop at 3.4.30,
// and glibc refuses the whole library for a missing *non-weak* version need. A weak need is only reported.
//
// This file is compiled twice: by MSBuild's RoslynCodeTaskFactory (build/TorchSharpNativeFix.targets),
// which needs the task class, and by the test project, which defines ELF_PATCHER_LOGIC_ONLY.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

public enum ElfPatchOutcome
{
    Patched,
    AlreadyWeak,
    NoSuchNeed,
}

public sealed class ElfPatchException : Exception
{
    public ElfPatchException(string message) : base(message) { }
}

public static class ElfVersionNeedPatcher
{
    public const ushort VerFlagWeak = 0x2;
    const uint ShtGnuVerneed = 0x6ffffffe;
    const uint ShtGnuVersym = 0x6fffffff;
    const uint ShtRela = 4;
    const uint ShtRel = 9;
    const uint ShtDynsym = 11;

    sealed class Section
    {
        public uint Type;
        public ulong Offset;
        public ulong Size;
        public uint Link;
        public uint Info;
        public ulong EntSize;
    }

    /// <summary>Patches <paramref name="path"/> by writing a new file and renaming it over the old one, so
    /// a hard link into a package cache is never modified.</summary>
    public static ElfPatchOutcome PatchFile(string path, string versionName)
    {
        byte[] image = File.ReadAllBytes(path);
        ElfPatchOutcome outcome = Patch(image, versionName, path);
        if (outcome != ElfPatchOutcome.Patched)
            return outcome;
        string temp = path + ".weakening.tmp";
        File.WriteAllBytes(temp, image);
        File.Replace(temp, path, null); // rename(2) on Unix: the old inode (maybe a cache hard link) is left alone
        return outcome;
    }

    /// <summary>Finds the vernaux entry named <paramref name="versionName"/> and sets its weak flag in
    /// <paramref name="image"/>. Refuses if any relocation refers to a symbol of that version, because then
    /// the library really uses it and a weak need would only move the failure to run time.</summary>
    public static ElfPatchOutcome Patch(byte[] image, string versionName, string fileNameForErrors = "file")
    {
        var elf = new Reader(image, fileNameForErrors);
        List<Section> sections = elf.ReadSections();
        (ulong FlagsOffset, ushort VersionIndex)? found = FindVernaux(elf, sections, versionName);
        if (found == null)
            return ElfPatchOutcome.NoSuchNeed;

        ulong at = found.Value.FlagsOffset;
        ushort flags = elf.U16(at);
        if ((flags & VerFlagWeak) != 0)
            return ElfPatchOutcome.AlreadyWeak;

        string? used = elf.RelocatedSymbolWithVersion(sections, found.Value.VersionIndex);
        if (used != null)
            throw new ElfPatchException(
                $"{fileNameForErrors}: refusing to weaken {versionName}: relocations refer to '{used}', which needs it at run time.");

        elf.PutU16(at, (ushort)(flags | VerFlagWeak));
        return ElfPatchOutcome.Patched;
    }

    /// <summary>The vna_flags of <paramref name="versionName"/>, or null if the file has no such need.</summary>
    public static ushort? ReadFlags(byte[] image, string versionName)
    {
        var elf = new Reader(image, "file");
        var found = FindVernaux(elf, elf.ReadSections(), versionName);
        return found == null ? null : elf.U16(found.Value.FlagsOffset);
    }

    // Section headers -> SHT_GNU_verneed -> its Elf64_Verneed chain -> each one's Elf64_Vernaux chain.
    static (ulong FlagsOffset, ushort VersionIndex)? FindVernaux(Reader elf, List<Section> sections, string versionName)
    {
        Section? verneed = sections.Find(s => s.Type == ShtGnuVerneed);
        if (verneed == null)
            return null;
        Section strtab = elf.SectionAt(sections, verneed.Link, "the string table of SHT_GNU_verneed");
        ulong need = verneed.Offset;
        for (uint n = 0; n < verneed.Info; n++)
        {
            elf.Require(need, 16, "an Elf64_Verneed entry");
            ushort count = elf.U16(need + 2);
            ulong aux = need + elf.U32(need + 8);
            for (uint a = 0; a < count; a++)
            {
                elf.Require(aux, 16, "an Elf64_Vernaux entry");
                if (elf.CString(strtab, elf.U32(aux + 8)) == versionName)
                    return (aux + 4, (ushort)(elf.U16(aux + 6) & 0x7fff));
                uint nextAux = elf.U32(aux + 12);
                if (nextAux == 0) break;
                aux += nextAux;
            }
            uint next = elf.U32(need + 12);
            if (next == 0) break;
            need += next;
        }
        return null;
    }

    sealed class Reader
    {
        readonly byte[] _b;
        readonly string _file;
        readonly bool _little;

        public Reader(byte[] bytes, string file)
        {
            _b = bytes;
            _file = file;
            if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
                throw Fail("not an ELF file");
            if (bytes[4] != 2)
                throw Fail("not ELF64 (EI_CLASS is " + bytes[4] + ")");
            if (bytes[5] != 1 && bytes[5] != 2)
                throw Fail("unknown byte order (EI_DATA is " + bytes[5] + ")");
            _little = bytes[5] == 1;
        }

        public ElfPatchException Fail(string why) => new ElfPatchException($"{_file}: not an ELF64 file this patcher understands: {why}.");

        public void Require(ulong offset, ulong length, string what)
        {
            if (offset > (ulong)_b.Length || length > (ulong)_b.Length - offset)
                throw Fail($"{what} at 0x{offset:x} lies outside the file");
        }

        public ushort U16(ulong o)
        {
            Require(o, 2, "a field");
            return _little ? (ushort)(_b[o] | _b[o + 1] << 8) : (ushort)(_b[o] << 8 | _b[o + 1]);
        }

        public uint U32(ulong o) => _little
            ? (uint)U16(o) | (uint)U16(o + 2) << 16
            : (uint)U16(o) << 16 | U16(o + 2);

        public ulong U64(ulong o) => _little
            ? U32(o) | (ulong)U32(o + 4) << 32
            : (ulong)U32(o) << 32 | U32(o + 4);

        public void PutU16(ulong o, ushort v)
        {
            Require(o, 2, "a field");
            if (_little) { _b[o] = (byte)v; _b[o + 1] = (byte)(v >> 8); }
            else { _b[o] = (byte)(v >> 8); _b[o + 1] = (byte)v; }
        }

        public List<Section> ReadSections()
        {
            ulong shoff = U64(0x28);
            ushort shentsize = U16(0x3a);
            ulong shnum = U16(0x3c);
            if (shoff == 0)
                throw Fail("it has no section header table");
            if (shentsize < 64)
                throw Fail($"section header size {shentsize} is smaller than Elf64_Shdr");
            if (shnum == 0)
            {
                // Extended numbering: the real count is in section 0's sh_size.
                Require(shoff, 64, "section header 0");
                shnum = U64(shoff + 32);
            }
            Require(shoff, shnum * shentsize, "the section header table");
            var list = new List<Section>((int)shnum);
            for (ulong i = 0; i < shnum; i++)
            {
                ulong h = shoff + i * shentsize;
                list.Add(new Section
                {
                    Type = U32(h + 4),
                    Offset = U64(h + 24),
                    Size = U64(h + 32),
                    Link = U32(h + 40),
                    Info = U32(h + 44),
                    EntSize = U64(h + 56),
                });
            }
            return list;
        }

        public Section SectionAt(List<Section> sections, uint index, string what)
        {
            if (index >= sections.Count)
                throw Fail($"{what} is section {index}, beyond the {sections.Count} sections");
            Section s = sections[(int)index];
            Require(s.Offset, s.Size, what);
            return s;
        }

        public string CString(Section table, uint offset)
        {
            if (offset >= table.Size)
                throw Fail($"string offset {offset} is beyond its table");
            ulong start = table.Offset + offset, end = start;
            ulong limit = table.Offset + table.Size;
            while (end < limit && _b[end] != 0) end++;
            return Encoding.ASCII.GetString(_b, (int)start, (int)(end - start));
        }

        /// <summary>Name of a symbol that both carries version <paramref name="index"/> and is the target
        /// of a relocation against the dynamic symbol table; null when none is.</summary>
        public string? RelocatedSymbolWithVersion(List<Section> sections, ushort index)
        {
            int dynsymIndex = sections.FindIndex(s => s.Type == ShtDynsym);
            Section? versym = sections.Find(s => s.Type == ShtGnuVersym);
            if (dynsymIndex < 0 || versym == null)
                return null;
            Section dynsym = sections[dynsymIndex];
            Section dynstr = SectionAt(sections, dynsym.Link, "the dynamic string table");
            ulong symCount = dynsym.EntSize == 0 ? 0 : dynsym.Size / dynsym.EntSize;

            var versioned = new HashSet<ulong>();
            for (ulong i = 0; i < symCount && i * 2 < versym.Size; i++)
                if ((U16(versym.Offset + i * 2) & 0x7fff) == index)
                    versioned.Add(i);
            if (versioned.Count == 0)
                return null;

            foreach (Section rel in sections)
            {
                if ((rel.Type != ShtRela && rel.Type != ShtRel) || rel.Link != dynsymIndex || rel.EntSize == 0)
                    continue;
                Require(rel.Offset, rel.Size, "a relocation section");
                for (ulong r = 0; r < rel.Size / rel.EntSize; r++)
                {
                    ulong symbol = U64(rel.Offset + r * rel.EntSize + 8) >> 32;
                    if (versioned.Contains(symbol))
                        return CString(dynstr, U32(dynsym.Offset + symbol * dynsym.EntSize));
                }
            }
            return null;
        }
    }
}

#if !ELF_PATCHER_LOGIC_ONLY
/// <summary>MSBuild task: weakens <see cref="VersionName"/> in every existing file of <see cref="Files"/>.</summary>
public sealed class MarkElfVersionNeedWeak : Microsoft.Build.Utilities.Task
{
    [Microsoft.Build.Framework.Required]
    public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

    [Microsoft.Build.Framework.Required]
    public string VersionName { get; set; } = "";

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            string path = item.GetMetadata("FullPath");
            if (!File.Exists(path))
                continue;
            try
            {
                ElfPatchOutcome outcome = ElfVersionNeedPatcher.PatchFile(path, VersionName);
                // A patch changes a file the user did not write: say so where a normal build shows it.
                var importance = outcome == ElfPatchOutcome.Patched
                    ? Microsoft.Build.Framework.MessageImportance.High
                    : Microsoft.Build.Framework.MessageImportance.Normal;
                Log.LogMessage(importance, $"{VersionName} in {path}: {outcome}");
            }
            catch (Exception e) when (e is ElfPatchException || e is IOException || e is UnauthorizedAccessException)
            {
                Log.LogError($"Cannot make TorchSharp load on older libstdc++: {e.Message}");
            }
        }
        return !Log.HasLoggedErrors;
    }
}
#endif
