using CategoricalVae.Runs;
using Xunit;

namespace CategoricalVae.Tests.Runs;

/// <summary>config.json's git_commit, read from the layouts git itself writes (gitrepository-layout(5)).</summary>
[Trait("Category", Category.Unit)]
public class GitCommitTests
{
    const string Main = "1111111111111111111111111111111111111111";
    const string Feature = "2222222222222222222222222222222222222222";
    const string Detached = "3333333333333333333333333333333333333333";

    static string Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text + "\n");
        return path;
    }

    [Fact]
    public void A_checkout_a_packed_branch_and_a_worktree_each_give_their_own_commit()
    {
        using var dir = new TempDir();
        string repo = Path.Combine(dir.Path, "repo"), git = Path.Combine(repo, ".git");
        Write(Path.Combine(git, "HEAD"), "ref: refs/heads/main");
        Write(Path.Combine(git, "refs", "heads", "main"), Main);
        Write(Path.Combine(git, "packed-refs"), $"# pack-refs with: peeled fully-peeled sorted\n{Feature} refs/heads/feature");
        Directory.CreateDirectory(Path.Combine(repo, "CategoricalVae", "bin"));

        string worktree = Path.Combine(dir.Path, "wt"), worktreeGit = Path.Combine(git, "worktrees", "wt");
        Write(Path.Combine(worktree, ".git"), $"gitdir: {worktreeGit}");
        Write(Path.Combine(worktreeGit, "HEAD"), "ref: refs/heads/feature");
        Write(Path.Combine(worktreeGit, "commondir"), "../..");
        Directory.CreateDirectory(Path.Combine(worktree, "sub"));

        string detached = Path.Combine(dir.Path, "detached"), detachedGit = Path.Combine(git, "worktrees", "detached");
        Write(Path.Combine(detached, ".git"), "gitdir: ../repo/.git/worktrees/detached");   // relative, as git may write it
        Write(Path.Combine(detachedGit, "HEAD"), Detached);

        Assert.Equal(Main, RunConfig.FindGitCommit(Path.Combine(repo, "CategoricalVae", "bin")));
        Assert.Equal(Feature, RunConfig.FindGitCommit(Path.Combine(worktree, "sub")));
        Assert.Equal(Detached, RunConfig.FindGitCommit(detached));
    }

    [Fact]
    public void Outside_a_checkout_or_with_a_broken_pointer_there_is_no_commit()
    {
        using var dir = new TempDir();
        string broken = Path.Combine(dir.Path, "broken");
        Write(Path.Combine(broken, ".git"), "not a pointer");
        Assert.Null(RunConfig.FindGitCommit(broken));
        string dangling = Path.Combine(dir.Path, "dangling");
        Write(Path.Combine(dangling, ".git"), "gitdir: /nonexistent/worktrees/x");
        Assert.Null(RunConfig.FindGitCommit(dangling));
    }
}
