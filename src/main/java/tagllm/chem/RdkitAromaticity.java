package tagllm.chem;

import org.openscience.cdk.graph.Cycles;
import org.openscience.cdk.interfaces.IAtom;
import org.openscience.cdk.interfaces.IAtomContainer;
import org.openscience.cdk.interfaces.IBond;
import org.openscience.cdk.interfaces.IPseudoAtom;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * RDKit's default aromaticity model, applied to a Kekulé CDK molecule.
 *
 * <p>QED counts aromatic rings, and its logP, polar-surface and alert definitions all test aromatic
 * atoms and bonds, so the flags must be RDKit's, not CDK's Daylight model (the two disagree on e.g.
 * exocyclic C=C, azulene fusion bonds and fused systems whose single rings fail Hückel's rule).
 * The model: each ring atom donates 0, 1 or 2 pi electrons by its valence state (an exocyclic double
 * bond to a more electronegative atom takes the electron away); a ring, or a fused combination of up to
 * six rings each fused to another through one shared bond, is aromatic when the electrons of its atoms
 * (those in at most two of the chosen rings) can number 4n+2. Atoms of an aromatic
 * combination become aromatic, but of its bonds only those that lie in exactly one of its rings, so the
 * bond fusing two rings that are aromatic only together stays a Kekulé bond.
 */
final class RdkitAromaticity {
    private RdkitAromaticity() {}

    /** Rings larger than this take no part in fused systems (RDKit: a bit more than a porphyrin). */
    private static final int MAX_FUSED_RING_SIZE = 24;
    private static final int MAX_FUSED_RINGS = 6;
    /** Beyond this many rings in one fused system only single rings and pairs are tried (RDKit's guard). */
    private static final int HUGE_RING_SYSTEM = 300;

    private enum Donor {
        VACANT(0, 0), ONE(1, 1), TWO(2, 2), ANY(1, 2), NONE(0, 0);
        final int low, high;
        Donor(int low, int high) { this.low = low; this.high = high; }
    }

    static void apply(IAtomContainer mol) {
        for (IAtom a : mol.atoms()) a.setIsAromatic(false);
        for (IBond b : mol.bonds()) b.setIsAromatic(false);
        Cycles.markRingAtomsAndBonds(mol);
        int[][] rings = rings(mol);
        SmartsQuery.encodeRingCounts(mol, rings);
        if (rings.length == 0) return;

        int n = mol.getAtomCount();
        Donor[] donor = new Donor[n];
        boolean[] candidate = new boolean[n];
        boolean[] seen = new boolean[n];
        List<int[]> candidateRings = new ArrayList<>();
        for (int[] ring : rings) {
            boolean all = true, allDummy = true;
            for (int idx : ring) {
                IAtom atom = mol.getAtom(idx);
                if (RdkitNormaliser.atomicNumber(atom) != 0) allDummy = false;
                if (seen[idx]) {
                    if (!candidate[idx]) all = false;
                    continue;
                }
                seen[idx] = true;
                donor[idx] = donorType(atom);
                candidate[idx] = isCandidate(atom, donor[idx]);
                if (!candidate[idx]) all = false;
            }
            if (all && !allDummy) candidateRings.add(ring);
        }
        if (candidateRings.isEmpty()) return;

        int nr = candidateRings.size();
        int[][] bondRings = new int[nr][];
        for (int r = 0; r < nr; r++) bondRings[r] = bondsOf(mol, candidateRings.get(r));
        List<List<Integer>> neighbours = ringNeighbours(bondRings);

        boolean[] fusedDone = new boolean[nr];
        for (int start = 0; start < nr; start++) {
            if (fusedDone[start]) continue;
            List<Integer> fused = new ArrayList<>();
            pickFused(start, neighbours, fused, fusedDone);
            huckelOnFused(mol, candidateRings, bondRings, fused, donor, neighbours);
        }
    }

    /** RDKit takes the symmetrised SSSR; CDK's relevant cycles are the same set for ordinary molecules. */
    private static int[][] rings(IAtomContainer mol) {
        int[][] paths = Cycles.relevant(mol).paths();
        int[][] rings = new int[paths.length][];
        for (int i = 0; i < paths.length; i++) rings[i] = java.util.Arrays.copyOf(paths[i], paths[i].length - 1);
        return rings;
    }

    private static int[] bondsOf(IAtomContainer mol, int[] ring) {
        int[] bonds = new int[ring.length];
        for (int i = 0; i < ring.length; i++) {
            IBond b = mol.getBond(mol.getAtom(ring[i]), mol.getAtom(ring[(i + 1) % ring.length]));
            bonds[i] = b.getIndex();
        }
        return bonds;
    }

    private static List<List<Integer>> ringNeighbours(int[][] bondRings) {
        List<List<Integer>> neighbours = new ArrayList<>();
        for (int i = 0; i < bondRings.length; i++) neighbours.add(new ArrayList<>());
        for (int i = 0; i < bondRings.length; i++) {
            if (bondRings[i].length > MAX_FUSED_RING_SIZE) continue;
            for (int j = i + 1; j < bondRings.length; j++) {
                if (bondRings[j].length > MAX_FUSED_RING_SIZE) continue;
                // rings are fused when they share exactly one bond; bridged pairs (sharing more) are not
                if (sharedBonds(bondRings[i], bondRings[j]) == 1) {
                    neighbours.get(i).add(j);
                    neighbours.get(j).add(i);
                }
            }
        }
        return neighbours;
    }

    private static int sharedBonds(int[] a, int[] b) {
        int n = 0;
        for (int x : a) for (int y : b) if (x == y) n++;
        return n;
    }

    private static void pickFused(int ring, List<List<Integer>> neighbours, List<Integer> out, boolean[] done) {
        done[ring] = true;
        out.add(ring);
        for (int nb : neighbours.get(ring)) if (!done[nb]) pickFused(nb, neighbours, out, done);
    }

    private static void huckelOnFused(IAtomContainer mol, List<int[]> rings, int[][] bondRings, List<Integer> fused,
                                      Donor[] donor, List<List<Integer>> neighbours) {
        int nrings = fused.size();
        BitSet systemBonds = new BitSet();
        for (int r : fused) for (int b : bondRings[r]) systemBonds.set(b);
        int nRingBonds = systemBonds.cardinality();
        BitSet doneBonds = new BitSet(mol.getBondCount());
        int[] inRings = new int[mol.getAtomCount()];
        for (int size = 1; size <= Math.min(nrings, MAX_FUSED_RINGS); size++) {
            if (size == 3 && nrings > HUGE_RING_SYSTEM) break;
            // RDKit stops growing combinations once every bond of the system is aromatic
            if (doneBonds.cardinality() >= nRingBonds) break;
            int[] comb = new int[size];
            for (int i = 0; i < size; i++) comb[i] = i;
            do {
                int[] chosen = new int[size];
                for (int i = 0; i < size; i++) chosen[i] = fused.get(comb[i]);
                if (size > 1 && !connected(chosen, neighbours)) continue;
                // atoms shared by three or more of the chosen rings (the centre of acepentalene) do not count
                BitSet atoms = new BitSet();
                for (int r : chosen) for (int idx : rings.get(r)) {
                    inRings[idx]++;
                    atoms.set(idx);
                }
                BitSet counted = new BitSet();
                for (int idx = atoms.nextSetBit(0); idx >= 0; idx = atoms.nextSetBit(idx + 1)) {
                    if (inRings[idx] <= 2) counted.set(idx);
                    inRings[idx] = 0;
                }
                if (huckel(counted, donor)) mark(mol, rings, bondRings, chosen, doneBonds);
            } while (nextCombination(comb, nrings));
        }
    }

    private static boolean nextCombination(int[] comb, int n) {
        int k = comb.length;
        int i = k - 1;
        while (i >= 0 && comb[i] == n - k + i) i--;
        if (i < 0) return false;
        comb[i]++;
        for (int j = i + 1; j < k; j++) comb[j] = comb[j - 1] + 1;
        return true;
    }

    private static boolean connected(int[] chosen, List<List<Integer>> neighbours) {
        BitSet in = new BitSet();
        for (int r : chosen) in.set(r);
        BitSet reached = new BitSet();
        java.util.ArrayDeque<Integer> stack = new java.util.ArrayDeque<>();
        stack.push(chosen[0]);
        reached.set(chosen[0]);
        while (!stack.isEmpty()) {
            int r = stack.pop();
            for (int nb : neighbours.get(r)) {
                if (in.get(nb) && !reached.get(nb)) {
                    reached.set(nb);
                    stack.push(nb);
                }
            }
        }
        return reached.cardinality() == chosen.length;
    }

    private static boolean huckel(BitSet atoms, Donor[] donor) {
        int low = 0, high = 0, any = 0;
        for (int idx = atoms.nextSetBit(0); idx >= 0; idx = atoms.nextSetBit(idx + 1)) {
            if (donor[idx] == Donor.ANY && ++any > 1) return false;
            low += donor[idx].low;
            high += donor[idx].high;
        }
        if (high >= 6) {
            for (int e = low; e <= high; e++) if ((e - 2) % 4 == 0) return true;
            return false;
        }
        return high == 2;
    }

    private static void mark(IAtomContainer mol, List<int[]> rings, int[][] bondRings, int[] chosen, BitSet doneBonds) {
        java.util.Map<Integer, Integer> bondCount = new java.util.HashMap<>();
        for (int r : chosen) {
            for (int idx : rings.get(r)) mol.getAtom(idx).setIsAromatic(true);
            for (int b : bondRings[r]) bondCount.merge(b, 1, Integer::sum);
        }
        bondCount.forEach((b, count) -> {
            if (count == 1) {
                mol.getBond(b).setIsAromatic(true);
                doneBonds.set(b);
            }
        });
    }

    // --- per-atom electron bookkeeping, after RDKit's countAtomElec / getAtomDonorTypeArom ---

    private static Donor donorType(IAtom atom) {
        int z = RdkitNormaliser.atomicNumber(atom);
        if (z == 0 || atom instanceof IPseudoAtom) return hasCyclicMultipleBond(atom) ? Donor.ONE : Donor.ANY;
        int nelec = countElectrons(atom);
        IAtom exo = exocyclicMultipleBondPartner(atom);
        if (nelec < 0) return Donor.NONE;
        if (nelec == 0) {
            if (exo != null) return Donor.VACANT;
            if (hasCyclicMultipleBond(atom)) return Donor.ONE;
            return Donor.NONE;
        }
        if (nelec == 1) {
            if (exo != null)
                return ElementTable.moreElectronegative(RdkitNormaliser.atomicNumber(exo), z) ? Donor.VACANT : Donor.ONE;
            if (bondOrderSum(atom) != atom.getBondCount()) return Donor.ONE;
            if (RdkitNormaliser.charge(atom) == 1) return Donor.VACANT;
            return Donor.NONE;
        }
        if (exo != null && ElementTable.moreElectronegative(RdkitNormaliser.atomicNumber(exo), z)) nelec--;
        return nelec % 2 == 1 ? Donor.ONE : Donor.TWO;
    }

    private static int countElectrons(IAtom atom) {
        int z = RdkitNormaliser.atomicNumber(atom);
        int dv = ElementTable.defaultValence(z);
        if (dv <= 1) return -1;
        int degree = atom.getBondCount() + RdkitNormaliser.hydrogens(atom);
        if (degree > 3) return -1;
        int lonePairElectrons = Math.max(ElementTable.outerElectrons(z) - dv - RdkitNormaliser.charge(atom), 0);
        int res = dv - degree + lonePairElectrons;
        if (res > 1 && bondOrderSum(atom) - atom.getBondCount() > 1) res = 1;
        return res;
    }

    private static boolean isCandidate(IAtom atom, Donor donor) {
        int z = RdkitNormaliser.atomicNumber(atom);
        if (z > 18 && z != 34 && z != 52) return false;
        if (donor == Donor.NONE) return false;
        int dv = ElementTable.defaultValence(z);
        if (dv > 0) {
            int total = SmilesReader.valence(atom);
            if (total > ElementTable.defaultValence(z - RdkitNormaliser.charge(atom))) return false;
        }
        int multiple = 0;
        for (IBond b : atom.bonds()) {
            if (b.getOrder() == IBond.Order.DOUBLE || b.getOrder() == IBond.Order.TRIPLE) multiple++;
        }
        return multiple <= 1;
    }

    private static IAtom exocyclicMultipleBondPartner(IAtom atom) {
        for (IBond b : atom.bonds()) {
            if (!b.isInRing() && order(b) >= 2) return b.getOther(atom);
        }
        return null;
    }

    private static boolean hasCyclicMultipleBond(IAtom atom) {
        for (IBond b : atom.bonds()) if (b.isInRing() && order(b) >= 2) return true;
        return false;
    }

    private static int bondOrderSum(IAtom atom) {
        int s = 0;
        for (IBond b : atom.bonds()) s += order(b);
        return s;
    }

    private static int order(IBond b) {
        return b.getOrder() == null || b.getOrder() == IBond.Order.UNSET ? 0 : b.getOrder().numeric();
    }
}
