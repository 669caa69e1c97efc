using CategoricalVae.Model;
using CategoricalVae.Model.Estimators;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Model.Estimators;

/// <summary>
/// On a 2×3 latent the 9 codes can be enumerated, so the exact gradient of the discrete objective
/// E_q[−log p(x|z)] + KL(q ‖ uniform) is known. The score-function estimator's mean over many draws, through the
/// training loss exactly as a run computes it, must match it within 4 standard errors.
/// </summary>
[Trait("Category", Category.Unit)]
public class ScoreFunctionUnbiasedTests
{
    const int Latents = 2, K = 3, Batch = 8, Draws = 1500;

    sealed class Problem : IDisposable
    {
        readonly DisposeScope _scope = NewDisposeScope();
        public Tensor Weight { get; } = randn(Latents * K, CategoricalVaeModel.PixelCount, dtype: float64, generator: new Generator(3)) * 0.5;
        public Tensor Bias { get; } = randn(CategoricalVaeModel.PixelCount, dtype: float64, generator: new Generator(4)) * 0.5;
        public Tensor Target { get; } = rand(CategoricalVaeModel.PixelCount, dtype: float64, generator: new Generator(5)).gt(0.5).to(float64);
        public Tensor Logits { get; } = tensor(new[] { 0.4, -0.3, 0.9, 1.2, 0.1, -0.6 }, float64).view(1, Latents, K).requires_grad_(true);

        public Tensor Decode(Tensor code) => (code.view(-1, Latents * K).matmul(Weight) + Bias).sigmoid();

        public void Dispose() => _scope.Dispose();
    }

    static double[] ExactGradient(Problem p)
    {
        using var scope = NewDisposeScope();
        var q = p.Logits.softmax(-1)[0];
        Tensor expected = zeros([], float64);
        for (int a = 0; a < K; a++)
            for (int b = 0; b < K; b++)
            {
                var code = zeros(1, Latents, K, dtype: float64);
                code[0, 0, a] = 1;
                code[0, 1, b] = 1;
                var loss = VaeLoss.ReconstructionLossPerExample(p.Decode(code), p.Target.view(1, -1))[0];
                expected = expected + q[0, a] * q[1, b] * loss;
            }
        var total = expected + VaeLoss.KlToUniform(p.Logits.softmax(-1).view(1, -1), K).mean();
        return torch.autograd.grad([total], [p.Logits])[0].data<double>().ToArray();
    }

    [Fact]
    public void Its_mean_gradient_matches_the_exact_gradient_of_the_discrete_objective()
    {
        using var p = new Problem();
        var exact = ExactGradient(p);
        var estimator = GradientEstimators.For(GradientEstimator.ScoreFunction);
        var noise = new Generator(11);
        var sum = new double[6];
        var sumSquares = new double[6];
        for (int d = 0; d < Draws; d++)
        {
            using var scope = NewDisposeScope();
            var logits = p.Logits.expand(Batch, Latents, K);
            var code = estimator.Code(logits, 1.0, noise);
            var pass = new VaeForward(p.Decode(code), logits.softmax(-1).reshape(Batch, -1), logits, code);
            using var loss = VaeLoss.Compute(pass, p.Target.expand(Batch, -1), K, estimator);
            var g = torch.autograd.grad([loss.Total], [p.Logits])[0].data<double>().ToArray();
            for (int i = 0; i < 6; i++)
            {
                sum[i] += g[i];
                sumSquares[i] += g[i] * g[i];
            }
        }
        for (int i = 0; i < 6; i++)
        {
            double mean = sum[i] / Draws;
            double se = Math.Sqrt((sumSquares[i] / Draws - mean * mean) / (Draws - 1));
            Assert.True(Math.Abs(mean - exact[i]) <= 4 * se,
                $"component {i}: mean {mean:F4} vs exact {exact[i]:F4} (SE {se:F4})");
            // The test has power: a bias of a tenth of the gradient's size would be seen.
            Assert.True(4 * se < 0.1 * exact.Select(Math.Abs).Max(), $"component {i}: SE {se:F4} too large for the test to mean anything");
        }
    }
}
