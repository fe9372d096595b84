package tagllm.chem;

import org.openscience.cdk.aromaticity.Aromaticity;
import org.openscience.cdk.aromaticity.ElectronDonation;
import org.openscience.cdk.exception.CDKException;
import org.openscience.cdk.exception.InvalidSmilesException;
import org.openscience.cdk.graph.Cycles;
import org.openscience.cdk.interfaces.IAtom;
import org.openscience.cdk.interfaces.IAtomContainer;
import org.openscience.cdk.interfaces.IBond;
import org.openscience.cdk.interfaces.IPseudoAtom;
import org.openscience.cdk.silent.SilentChemObjectBuilder;
import org.openscience.cdk.smiles.SmiFlavor;
import org.openscience.cdk.smiles.SmilesGenerator;
import org.openscience.cdk.smiles.SmilesParser;
import org.openscience.cdk.interfaces.IDoubleBondStereochemistry;
import org.openscience.cdk.interfaces.IStereoElement;
import org.openscience.cdk.interfaces.ITetrahedralChirality;
import org.openscience.cdk.stereo.Stereocenters;

/**
 * Parses, validates and canonicalises SMILES with CDK. CDK's parser is not thread-safe, so each
 * thread uses its own reader ({@link #forThread()}).
 *
 * <p>Validation goes beyond CDK's syntax check: like RDKit's sanitisation, an atom whose valence
 * exceeds what its element and charge allow (e.g. a five-bonded neutral carbon) is rejected, after the
 * same normalisation RDKit applies first (nitro groups, azides, halogen oxides).
 */
public final class SmilesReader {
    private static final ThreadLocal<SmilesReader> PER_THREAD = ThreadLocal.withInitial(SmilesReader::new);
    /** Longer strings are refused before parsing: no real molecule needs them and they could exhaust memory. */
    static final int MAX_LENGTH = 10_000;

    /** Canonical output uses CDK's Daylight aromaticity: it only decides lower-case symbols, not the molecule. */
    private static final Aromaticity DAYLIGHT = new Aromaticity(ElectronDonation.daylight(),
            Cycles.or(Cycles.all(), Cycles.relevant()));

    private final SmilesParser parser = new SmilesParser(SilentChemObjectBuilder.getInstance());
    private final SmilesGenerator canonical = new SmilesGenerator(SmiFlavor.Absolute | SmiFlavor.UseAromaticSymbols);
    /** For a molecule without stereo or isotopes whose InChI cannot be generated: canonical by CDK's own labelling. */
    private final SmilesGenerator withoutStereo = new SmilesGenerator(SmiFlavor.Canonical | SmiFlavor.UseAromaticSymbols);

    public static SmilesReader forThread() { return PER_THREAD.get(); }

    /**
     * The molecule as CDK reads it (Kekulé bonds, implicit hydrogens), checked for valence.
     *
     * @throws SmilesException when the string is empty, does not parse, or has an impossible valence
     */
    public IAtomContainer parse(String smiles) {
        if (smiles == null || smiles.isBlank()) throw new SmilesException(smiles == null ? "" : smiles, "empty");
        String s = smiles.strip();
        if (s.length() > MAX_LENGTH)
            throw new SmilesException(s.substring(0, 40) + "...", "longer than " + MAX_LENGTH + " characters");
        java.util.List<SmilesSyntax.Atom> written = SmilesSyntax.check(s);
        IAtomContainer mol;
        try {
            mol = parser.parseSmiles(s);
        } catch (InvalidSmilesException e) {
            throw new SmilesException(s, firstLine(e.getMessage()));
        } catch (RuntimeException e) {
            // CDK occasionally fails inside kekulisation or stereo handling with an unchecked exception
            throw new SmilesException(s, "cannot be parsed (" + e.getClass().getSimpleName() + ")");
        }
        if (mol.getAtomCount() == 0) throw new SmilesException(s, "no atoms");
        if (mol.getAtomCount() == written.size()) {
            rdkitImplicitHydrogens(mol, written);
            requireAromaticAtomsInRings(s, mol, written);
        }
        RdkitNormaliser.cleanUp(mol);
        checkValences(s, mol);
        return mol;
    }

    /** The molecule prepared the way RDKit's QED sees it: explicit H removed, RDKit aromaticity. */
    public IAtomContainer parseForRdkitDescriptors(String smiles) {
        IAtomContainer mol = RdkitNormaliser.removeHydrogens(parse(smiles));
        RdkitAromaticity.apply(mol);
        return mol;
    }

    /**
     * A unique SMILES for the molecule (CDK canonical, with stereo and isotopes, aromatic symbols). Hydrogens written
     * as atoms ({@code [H]OC}) become implicit, as RDKit's MolFromSmiles makes them: kept as atoms, they gave
     * {@code CO[H]} beside {@code CO} for methanol. Isotopic, charged and bridging ones stay.
     */
    public String canonicalise(String smiles) {
        IAtomContainer mol = RdkitNormaliser.removeHydrogens(parse(smiles));
        dropStereoOfNonStereocentres(mol);
        try {
            DAYLIGHT.apply(mol);
        } catch (CDKException e) {
            throw new SmilesException(smiles, "cannot be written canonically: " + firstLine(e.getMessage()));
        }
        try {
            return canonical.create(mol);
        } catch (CDKException e) {
            // CDK numbers the atoms of a canonical SMILES with stereo or isotopes by the molecule's InChI, and the InChI
            // library describes some species not (a bare proton, [H+]: "An InChI could not be generated ...: null").
            // Without stereo and isotopes the InChI numbering adds nothing: CDK's own canonical labelling gives one
            // string for every writing of such a molecule (RDKit writes [H+] as [H+]).
            if (mol.stereoElements().iterator().hasNext() || hasIsotope(mol)) {
                throw new SmilesException(smiles, "cannot be written canonically: CDK numbers the atoms of a molecule with "
                        + "stereo or isotopes by its InChI, and the InChI library cannot describe this one");
            }
            try {
                return withoutStereo.create(mol);
            } catch (CDKException e2) {
                throw new SmilesException(smiles, "cannot be written canonically: " + firstLine(e2.getMessage()));
            }
        }
    }

    private static boolean hasIsotope(IAtomContainer mol) {
        for (IAtom a : mol.atoms()) if (a.getMassNumber() != null) return true;
        return false;
    }

    /**
     * Removes stereo marks on atoms and double bonds that are not stereogenic (C[C@H](C)O, C/C=C(/C)C), as RDKit's
     * MolFromSmiles does: kept, they gave isopropanol a second canonical string, and a 4-substituted piperidine's C4,
     * written @ or @@, two. A ring atom CDK does not call a stereocentre keeps its mark while another atom of its ring
     * system is marked too: ring stereo that exists only in pairs (cis/trans-decalin) is stereo CDK's check misses.
     */
    private static void dropStereoOfNonStereocentres(IAtomContainer mol) {
        if (!mol.stereoElements().iterator().hasNext()) return;
        Stereocenters centres = Stereocenters.of(mol);
        int[] ringSystem = ringSystems(mol);
        int[] markedInSystem = new int[mol.getAtomCount() + 1];
        for (IStereoElement element : mol.stereoElements()) {
            if (element instanceof ITetrahedralChirality t && ringSystem[mol.indexOf(t.getChiralAtom())] > 0)
                markedInSystem[ringSystem[mol.indexOf(t.getChiralAtom())]]++;
        }
        java.util.List<IStereoElement> kept = new java.util.ArrayList<>();
        for (IStereoElement element : mol.stereoElements()) {
            boolean stereogenic = switch (element) {
                case ITetrahedralChirality t -> {
                    int atom = mol.indexOf(t.getChiralAtom());
                    yield centres.isStereocenter(atom) || (ringSystem[atom] > 0 && markedInSystem[ringSystem[atom]] > 1);
                }
                case IDoubleBondStereochemistry d -> centres.isStereocenter(mol.indexOf(d.getStereoBond().getBegin()))
                        && centres.isStereocenter(mol.indexOf(d.getStereoBond().getEnd()));
                default -> true;
            };
            if (stereogenic) kept.add(element);
        }
        mol.setStereoElements(kept);
    }

    /** Per atom, the number (from 1) of the ring system it is in, 0 for an atom in no ring. */
    private static int[] ringSystems(IAtomContainer mol) {
        int[] system = new int[mol.getAtomCount()];
        int[][] fused = new org.openscience.cdk.ringsearch.RingSearch(mol).fused();
        int[][] isolated = new org.openscience.cdk.ringsearch.RingSearch(mol).isolated();
        int next = 0;
        for (int[][] systems : new int[][][]{fused, isolated}) {
            for (int[] atoms : systems) {
                next++;
                for (int a : atoms) system[a] = next;
            }
        }
        return system;
    }

    /** True when the string is a SMILES this reader accepts. */
    public boolean isValid(String smiles) {
        try {
            parse(smiles);
            return true;
        } catch (SmilesException e) {
            return false;
        }
    }

    private static void checkValences(String smiles, IAtomContainer mol) {
        for (IAtom atom : mol.atoms()) {
            if (atom instanceof IPseudoAtom) continue;
            Integer zBoxed = atom.getAtomicNumber();
            int z = zBoxed == null ? 0 : zBoxed;
            int[] valences = ElementTable.valences(z);
            int max = valences[valences.length - 1];
            if (max <= 0) continue; // elements without valence rules (metals) are accepted as written
            int charge = atom.getFormalCharge() == null ? 0 : atom.getFormalCharge();
            int valence = valence(atom);
            // RDKit's sanitisation rule: charge moves an element along the periodic table, to the left
            // for elements from carbon on, to the right for boron and the metals before it
            int effective = ElementTable.outerElectrons(z) >= 4 ? valence - charge : valence + charge;
            if (effective > max)
                throw new SmilesException(smiles, "atom " + (atom.getIndex() + 1) + " (" + atom.getSymbol()
                        + (charge != 0 ? (charge > 0 ? "+" : "") + charge : "") + ") has valence " + valence
                        + ", more than its element and charge allow");
        }
    }

    /**
     * Hydrogens of atoms written outside brackets as RDKit counts them: up to the element's smallest allowed valence
     * at least its bonds, none when the bonds already exceed every allowed valence (CDK would add one to N(=O)=O and
     * call it a nitro group; RDKit, and so this reader, refuses the five-valent nitrogen that results).
     */
    private static void rdkitImplicitHydrogens(IAtomContainer mol, java.util.List<SmilesSyntax.Atom> written) {
        for (int i = 0; i < written.size(); i++) {
            if (!written.get(i).organic()) continue;
            IAtom atom = mol.getAtom(i);
            if (atom instanceof IPseudoAtom) continue;
            int z = atom.getAtomicNumber() == null ? 0 : atom.getAtomicNumber();
            int[] allowed = ElementTable.valences(z);
            if (allowed[allowed.length - 1] <= 0) continue;
            int bonds = 0;
            for (IBond b : atom.bonds()) bonds += b.getOrder() == null || b.getOrder() == IBond.Order.UNSET ? 0 : b.getOrder().numeric();
            int h = 0;
            for (int v : allowed) {
                if (v >= bonds) {
                    h = v - bonds;
                    break;
                }
            }
            atom.setImplicitHydrogenCount(h);
        }
    }

    /** RDKit refuses an atom written aromatic (lower case) that is in no ring: "non-ring atom marked aromatic". */
    private static void requireAromaticAtomsInRings(String smiles, IAtomContainer mol, java.util.List<SmilesSyntax.Atom> written) {
        boolean any = false;
        for (SmilesSyntax.Atom a : written) any |= a.aromatic();
        if (!any) return;
        Cycles.markRingAtomsAndBonds(mol);
        for (int i = 0; i < written.size(); i++) {
            if (written.get(i).aromatic() && !mol.getAtom(i).isInRing()) {
                throw new SmilesException(smiles, "atom " + (i + 1) + " (" + written.get(i).symbol() + ") is written aromatic but is in no ring");
            }
        }
    }

    static int valence(IAtom atom) {
        int v = atom.getImplicitHydrogenCount() == null ? 0 : atom.getImplicitHydrogenCount();
        for (IBond b : atom.bonds()) v += b.getOrder() == null || b.getOrder() == IBond.Order.UNSET ? 0 : b.getOrder().numeric();
        return v;
    }

    /**
     * CDK's message is "could not parse 'S', REASON:\nS\n   ^"; keep the reason and the caret's position.
     */
    static String firstLine(String message) {
        if (message == null) return "cannot be parsed";
        String[] lines = message.strip().split("\n");
        String reason = lines[0].strip();
        if (reason.startsWith("could not parse '")) {
            int cut = reason.indexOf("', ");
            if (cut > 0) reason = reason.substring(cut + 3);
        }
        if (reason.endsWith(":")) reason = reason.substring(0, reason.length() - 1).strip();
        if (lines.length >= 3) {
            int caret = lines[2].indexOf('^');
            if (caret >= 0) reason += " (at character " + (caret + 1) + ")";
        }
        return reason;
    }
}
