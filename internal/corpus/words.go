package corpus

// Word lists of the generated French press, one entry a line. Invented or
// generic: places are real French towns and regions, people and companies
// are made up.

const regionsList = `Auvergne-Rhône-Alpes
Bourgogne-Franche-Comté
Bretagne
Centre-Val de Loire
Corse
Grand Est
Hauts-de-France
Île-de-France
Normandie
Nouvelle-Aquitaine
Occitanie
Pays de la Loire
Provence-Alpes-Côte d'Azur
Guadeloupe
Martinique
La Réunion`

const townsList = `Nancy
Metz
Strasbourg
Reims
Lille
Amiens
Rouen
Caen
Le Havre
Rennes
Brest
Lorient
Nantes
Angers
Le Mans
Tours
Orléans
Bourges
Dijon
Besançon
Lyon
Saint-Étienne
Grenoble
Clermont-Ferrand
Limoges
Poitiers
La Rochelle
Bordeaux
Pau
Bayonne
Toulouse
Montpellier
Nîmes
Perpignan
Marseille
Toulon
Nice
Avignon
Ajaccio
Bastia
Valence
Annecy
Chambéry
Mulhouse
Colmar
Troyes
Boulogne-sur-Mer
Dunkerque
Calais
Valenciennes
Saint-Nazaire
Quimper
Vannes
Laval
Cherbourg
Châteauroux
Niort
Angoulême
Périgueux
Agen
Albi
Rodez
Béziers
Fort-de-France
Pointe-à-Pitre
Saint-Denis
Épinal
Saint-Dié-des-Vosges
Vichy
Roanne`

const sectorsList = `l'agroalimentaire
l'aéronautique
la logistique
l'industrie pharmaceutique
le numérique
la métallurgie
la chimie verte
l'hydrogène
les batteries
le textile technique
la santé
le tourisme d'affaires
la construction bois
la plasturgie
la cosmétique
l'économie sociale et solidaire
les semi-conducteurs
le recyclage
la mécanique de précision
l'énergie éolienne
le photovoltaïque
la filière nautique
l'agriculture biologique
la cybersécurité
l'intelligence artificielle`

const companyStemsList = `Technal
Sodim
Arvéa
Biolor
Mécaflex
Norpack
Véloria
Cristalis
Agrinov
Thermidor
Lumen
Solvéo
Hydréa
Batilor
Optimo
Textilia
Plastimer
Cosmélia
Robotik
Datavéo
Navalis
Ferrodur
Éolys
Pharmalis
Bioterre
Alpinox
Carbonis
Granitex
Végétalis
Quantix`

const companySuffixesList = `
 Industries
 SAS
 Group
 France
 Technologies
 & Fils
 Solutions`

const firstNamesList = `Marie
Jean
Claire
Hugo
Sophie
Pierre
Camille
Nicolas
Julie
Thomas
Isabelle
François
Nathalie
Olivier
Élodie
Mathieu
Céline
Antoine
Aurélie
Laurent
Anne
Sébastien
Émilie
Vincent
Hélène
Julien
Sandrine
Guillaume
Valérie
Maxime`

const lastNamesList = `Martin
Bernard
Dubois
Thomas
Robert
Richard
Petit
Durand
Leroy
Moreau
Simon
Laurent
Lefèvre
Michel
Garcia
David
Bertrand
Roux
Vincent
Fournier
Morel
Girard
André
Mercier
Dupont
Lambert
Bonnet
François
Martinez
Legrand
Garnier
Faure
Rousseau
Blanc
Guérin
Muller
Henry
Roussel
Nicolas
Perrin
Morvan
Le Gall`

const rolesList = `directeur de l'agence
directrice de l'agence
président de l'intercommunalité
vice-présidente de la région
maire
chef d'entreprise
délégué régional
chargée de mission
président de la chambre de commerce
responsable du pôle implantations
adjoint au développement économique`

// sentences are the body's building blocks. Slots: {town}, {town2},
// {region}, {sector}, {company}, {person}, {role}, {n} (a small number),
// {jobs} (a number of jobs), {m} (millions of euros), {year}, {month}.
const sentencesList = `L'entreprise {company} va créer {jobs} emplois à {town} d'ici {year}.
Le projet, estimé à {m} millions d'euros, a été présenté mardi aux élus de {region}.
« Nous avons choisi {town} pour la qualité de son écosystème », explique {person}, {role}.
La région {region} mise sur {sector} pour attirer de nouveaux investisseurs.
Les implantations étrangères ont progressé de {n} % l'an dernier, selon le baromètre annuel.
À {town}, la zone d'activités accueille désormais {n} entreprises et près de {jobs} salariés.
Le conseil communautaire a voté une enveloppe de {m} millions d'euros pour la réindustrialisation.
Les élus veulent accélérer la reconversion des friches industrielles autour de {town}.
{person}, {role}, rappelle que la compétence économique est partagée avec la région.
La filière emploie déjà {jobs} personnes dans le bassin de {town}.
Plusieurs dossiers sont à l'étude, notamment dans {sector}.
Le foncier disponible reste le principal frein aux nouveaux projets, souligne le rapport.
L'usine de {company} à {town2} doit ouvrir ses portes en {month} {year}.
Les collectivités cherchent à mieux coordonner leurs aides aux entreprises.
Un appel à projets sera lancé en {month} pour soutenir les jeunes pousses dans {sector}.
La hausse des coûts de l'énergie pèse sur les industriels de {region}.
Le recrutement reste difficile : {n} % des entreprises interrogées peinent à embaucher.
Les services de l'État accompagnent le projet, classé « clé en main » par le gouvernement.
« C'est une excellente nouvelle pour le territoire », se félicite {person}, {role}.
La sobriété foncière oblige les territoires à repenser leurs zones d'activités.
Le plan de relance a financé {n} projets industriels dans le département.
L'investissement porte sur une nouvelle ligne de production et un centre de recherche.
Les formations seront adaptées aux métiers de demain dans {sector}, indique le rectorat.
Le chantier doit démarrer au printemps, après l'obtention du permis de construire.
La métropole de {town} a signé une convention avec l'agence pour prospecter à l'international.
Les exportations de la filière ont atteint {m} millions d'euros en {year}.
Le taux de chômage du bassin d'emploi est descendu à {n} %, son plus bas niveau depuis dix ans.
Un salon des sous-traitants réunira {n} exposants à {town} en {month}.
Le groupe {company} rachète un concurrent installé à {town2} et reprend ses {jobs} salariés.
La transition écologique ouvre de nouveaux débouchés pour {sector}.
Les élus de l'opposition dénoncent un projet « surdimensionné » et réclament une étude d'impact.
Le dispositif Territoires d'industrie a déjà soutenu {n} entreprises de {region}.
Les agences de développement économique jouent un rôle d'ensemblier entre les acteurs publics et privés.
La démarche associe la chambre de commerce, la région et les intercommunalités.
Le nombre de créations d'entreprises a bondi de {n} % sur un an dans le département.
Une délégation de {n} chefs d'entreprise s'est rendue à {town} pour visiter le site.
La ligne ferroviaire vers {town2} doit être modernisée d'ici {year}.
Le maire de {town} plaide pour une meilleure desserte de la zone portuaire.
Des entreprises actives dans {sector} s'installent dans l'ancienne caserne réhabilitée.
Le tiers-lieu accueille des artisans, des indépendants et une pépinière d'entreprises.`

// mentionSentences carry a mention of an entity: {e} is its spelling,
// the prefix before "|" the kinds of entity the sentence suits.
const mentionSentencesList = `federation|{e} a salué l'initiative lors de sa dernière assemblée générale.
federation|L'étude a été menée avec {e}, qui fédère les agences de développement.
federation|Selon {e}, les agences ont accompagné {n} projets d'implantation cette année.
federation|{e} publiera en {month} son baromètre annuel des agences de développement.
event|Le forum {e} réunira les développeurs économiques à {town} en {month}.
event|Les participants de {e} ont débattu de la sobriété foncière et de la réindustrialisation.
event|Cette édition de {e} a accueilli {n} ateliers et plusieurs ministres.
person|{e} a présenté ses priorités devant les agences de développement réunies à {town}.
person|Interrogé, {e} estime que « les territoires ont besoin d'outils de prospection communs ».
person|{e} plaide pour une meilleure reconnaissance des agences par l'État.
member|L'agence {e} a accompagné l'entreprise dans la recherche de son site.
member|{e}, l'agence de développement du territoire, pilote la prospection des investisseurs étrangers.
member|Le dossier a été suivi par {e} depuis {year}.
brand|La marque {e} accompagne désormais la promotion du territoire.
brand|Le dossier a été suivi par {e} depuis {year}.`

const titlesList = `{company} va créer {jobs} emplois à {town}
À {town}, la réindustrialisation se concrétise
{region} : les implantations industrielles repartent à la hausse
Les agences de développement au cœur de la relance
{town} veut devenir un pôle de référence dans {sector}
Le foncier économique se raréfie en {region}
{company} investit {m} millions d'euros à {town2}
Les territoires face au défi du recrutement
À {town}, une friche industrielle reprend vie
Attractivité : {town} mise sur {sector}
Le forum des développeurs économiques s'ouvre à {town}
Emploi : le bassin de {town} retrouve des couleurs
Sobriété foncière, le casse-tête des zones d'activités
{person} : « les agences sont des chefs d'orchestre »
Investissements étrangers : {region} dans le peloton de tête`

const monthsList = `janvier
février
mars
avril
mai
juin
juillet
août
septembre
octobre
novembre
décembre`

const sectionsList = `economie
actualite
territoires
entreprises
region
industrie`
